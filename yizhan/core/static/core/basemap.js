/* The base map shared by every Leaflet map (finder, console, evidence, bulletin, planning).
 *
 * Settings come from the JSON script tag "basemap-settings" ({% basemap %}, one setting:
 * YIZHAN_TILES; docs/maps.md). YizhanMap.addBase(map, {streets}) adds the tiles, the
 * attribution (with the 审图号), a scale bar and, when there are no tiles or they fail to
 * load, a plain background with each street's name at the centre of its stations.
 * YizhanMap.toMap(lat, lon) turns a stored WGS-84 point into the tiles' system (GCJ-02 on
 * Amap) and YizhanMap.fromMap(latlng) turns a click back into WGS-84 {lat, lon}. The
 * transform is geoplan/crs.py's, line for line (tests/browser/test_maps.py compares them).
 */
(function () {
  "use strict";
  var node = document.getElementById("basemap-settings");
  var cfg = node ? JSON.parse(node.textContent) : { provider: "none", layers: [], crs: "wgs84", attribution: "", max_zoom: 18 };
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;

  function outOfChina(lon, lat) { return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function tLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function tLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return r;
  }
  function offset(lon, lat) {
    if (outOfChina(lon, lat)) return [0, 0];
    var dlat = tLat(lon - 105.0, lat - 35.0), dlon = tLon(lon - 105.0, lat - 35.0);
    var rad = lat / 180.0 * PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sq) * PI);
    dlon = (dlon * 180.0) / (A / sq * Math.cos(rad) * PI);
    return [dlon, dlat];
  }
  function wgs84ToGcj02(lat, lon) { var d = offset(lon, lat); return [lat + d[1], lon + d[0]]; }
  function gcj02ToWgs84(lat, lon) {
    var wlat = lat, wlon = lon;
    for (var i = 0; i < 30; i++) {
      var d = offset(wlon, wlat), eLon = wlon + d[0] - lon, eLat = wlat + d[1] - lat;
      wlon -= eLon; wlat -= eLat;
      if (Math.abs(eLon) < 1e-10 && Math.abs(eLat) < 1e-10) break;
    }
    return [wlat, wlon];
  }
  var gcj = cfg.crs === "gcj02";
  /* A stored WGS-84 point as [lat, lon] on the tiles. */
  function toMap(lat, lon) { return gcj ? wgs84ToGcj02(+lat, +lon) : [+lat, +lon]; }
  /* A point on the map (a click's latlng, or [lat, lon]) as WGS-84 {lat, lon}. */
  function fromMap(p) {
    var lat = p.lat !== undefined ? p.lat : p[0], lon = p.lng !== undefined ? p.lng : p[1];
    var w = gcj ? gcj02ToWgs84(lat, lon) : [lat, lon];
    return { lat: w[0], lon: w[1] };
  }

  var maps = [];
  function addBase(map, opts) {
    var L = window.L;
    opts = opts || {};
    maps.push(map);
    var el = map.getContainer();
    if (map.options.maxZoom === undefined) map.setMaxZoom(cfg.max_zoom || 18);
    // No link in the attribution when asked (the bulletin's map is a picture: no controls).
    if (opts.prefix === false && map.attributionControl) map.attributionControl.setPrefix(false);
    L.control.scale({ imperial: false }).addTo(map);
    var layers = [], labels = [], plainOn = false, loaded = 0, errors = 0;
    // keep: tiles may still come (slow network): leave the layers and undo on the first one.
    function plain(keep) {
      if (plainOn) return;
      plainOn = true;
      if (!keep) layers.forEach(function (t) { map.removeLayer(t); });
      el.classList.add("yz-plain");
      el.setAttribute("data-basemap", "plain");
      (opts.streets || []).forEach(function (s) {
        var m = L.marker(toMap(s.lat, s.lon), {
          icon: L.divIcon({ className: "yz-street", html: "<span></span>", iconSize: null }),
          interactive: false, keyboard: false, zIndexOffset: -1000
        }).addTo(map);
        m.getElement().firstChild.textContent = s.name; // a region's name: text, never HTML
        labels.push(m);
      });
    }
    function tilesCame() {
      loaded += 1;
      if (!plainOn) return;
      plainOn = false;
      labels.forEach(function (m) { map.removeLayer(m); });
      labels = [];
      el.classList.remove("yz-plain");
      el.setAttribute("data-basemap", cfg.provider);
    }
    if (!cfg.layers.length) { plain(false); return map; }
    el.setAttribute("data-basemap", cfg.provider);
    cfg.layers.forEach(function (layer, i) {
      var t = L.tileLayer(layer.url, {
        subdomains: layer.subdomains || "abc", maxZoom: cfg.max_zoom || 18,
        attribution: i === 0 ? cfg.attribution : ""
      });
      t.on("tileload", tilesCame);
      t.on("tileerror", function () { errors += 1; if (!loaded && errors >= 2) plain(false); });
      t.addTo(map);
      layers.push(t);
    });
    // Offline or blocked without an answer: nothing arrives. Draw the plain map, not grey.
    window.setTimeout(function () { if (!loaded) plain(true); }, opts.timeout || 6000);
    return map;
  }

  window.YizhanMap = {
    settings: cfg, toMap: toMap, fromMap: fromMap, addBase: addBase, maps: maps,
    wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84
  };
})();
