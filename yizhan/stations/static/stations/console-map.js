/* Yizhan console maps (Leaflet). Two uses:
 *  - #yz-station-map on the station list: every station of the filtered list, clustered,
 *    coloured by status, each linking to its record;
 *  - #yz-point-map on a station form: shows the point and sets lon/lat on click/drag.
 * Coordinates are WGS-84 throughout; core/basemap.js (YizhanMap) draws the base map and
 * moves every point onto the tiles (GCJ-02 on Amap) and every click back to WGS-84.
 * The list and the form keep working without tiles (offline): the map is an aid.
 */
(function () {
  "use strict";

  function config() {
    var el = document.getElementById("yz-map-config");
    return el ? JSON.parse(el.textContent) : null;
  }

  var YM = window.YizhanMap;
  function at(p) { return YM.toMap(p[0], p[1]); }
  function baseMap(container, cfg) {
    // maxZoom on the map itself: without tiles no layer gives one (marker clusters need it).
    var map = L.map(container, { scrollWheelZoom: false, maxZoom: YM.settings.max_zoom });
    map.whenReady(function () { YM.addBase(map, { streets: cfg.streets }); });
    return map;
  }

  var STATUS_COLOURS = {
    active: "#1a7f37",
    planned: "#0969da",
    suspended: "#bf8700",
    delisted: "#cf222e"
  };

  function stationList(cfg) {
    var container = document.getElementById("yz-station-map");
    if (!container || !window.L || !YM) return;
    var stations = cfg.stations || [];
    var map = baseMap(container, cfg);
    // Neutral grey clusters: the default green/yellow would read as the status colours.
    var layer = L.markerClusterGroup
      ? L.markerClusterGroup({
          maxClusterRadius: 40,
          iconCreateFunction: function (cluster) {
            return L.divIcon({
              html: "<span>" + cluster.getChildCount() + "</span>",
              className: "yz-cluster",
              iconSize: L.point(34, 34)
            });
          }
        })
      : L.layerGroup();
    var bounds = [];
    stations.forEach(function (s) {
      var marker = L.circleMarker(YM.toMap(s.lat, s.lon), {
        radius: 8,
        color: "#fff",
        weight: 2,
        fillColor: STATUS_COLOURS[s.status] || "#57606a",
        fillOpacity: 0.95
      });
      var popup = document.createElement("div");
      var link = document.createElement("a");
      link.href = s.url;
      link.textContent = s.name;
      popup.appendChild(link);
      var meta = document.createElement("div");
      meta.textContent = s.code + " · " + s.kind_label + " · " + s.status_label;
      popup.appendChild(meta);
      marker.bindPopup(popup);
      var tip = document.createElement("span");
      tip.textContent = s.name; // never HTML: station names are typed by people
      marker.bindTooltip(tip);
      layer.addLayer(marker);
      bounds.push(YM.toMap(s.lat, s.lon));
    });
    map.addLayer(layer);
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    } else if (cfg.center) {
      map.setView(at(cfg.center), 12);
    }
    container.setAttribute("data-ready", String(stations.length));
  }

  function pointPicker(cfg) {
    var container = document.getElementById("yz-point-map");
    if (!container || !window.L || !YM) return;
    var lon = document.getElementById("id_lon");
    var lat = document.getElementById("id_lat");
    var crs = document.getElementById("id_input_crs");
    if (!lon || !lat) return;
    var map = baseMap(container, cfg);
    // The form's lon/lat are WGS-84; the marker sits on the tiles' position of that point.
    var start = at(cfg.point || cfg.center);
    map.setView(start, cfg.point ? 16 : 12);
    var marker = L.marker(start, { draggable: true, keyboard: true, title: cfg.label }).addTo(map);
    function put(latlng) {
      marker.setLatLng(latlng);
      var w = YM.fromMap(latlng); // a click on the tiles, back to WGS-84
      lat.value = w.lat.toFixed(7);
      lon.value = w.lon.toFixed(7);
      if (crs) crs.value = "wgs84";
    }
    map.on("click", function (e) { put(e.latlng); });
    marker.on("dragend", function () { put(marker.getLatLng()); });
    container.setAttribute("data-ready", "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var cfg = config();
    if (!cfg) return;
    stationList(cfg);
    pointPicker(cfg);
  });
})();
