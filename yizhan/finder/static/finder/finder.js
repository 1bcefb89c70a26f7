/* Worker finder pages. Everything here is an aid: the forms, lists and links work
 * without it (no JavaScript, no map tiles). Adds: "use my location", one-tap filters
 * that search at once, the map (clustered markers, pick a point, draw a route), sharing.
 * Coordinates from the phone are WGS-84; points picked on the map are in the tiles'
 * coordinate system, which is sent along as `crs` so the server converts them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var MSG = json("finder-messages") || {};
  var cfg = json("finder-map-config");

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  // ---- location ------------------------------------------------------------
  var form = document.getElementById("search-form");
  var locate = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  if (form && locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.textContent = MSG.locating || "…";
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
          document.getElementById("lon").value = pos.coords.longitude.toFixed(6);
          document.getElementById("crs").value = "wgs84";
          document.getElementById("q").value = "";
          submit(form);
        },
        function (err) {
          locate.disabled = false;
          status.textContent = err.code === 1 ? MSG.denied : MSG.failed;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }
  // A typed place replaces the previous point.
  var q = document.getElementById("q");
  if (form && q) {
    form.addEventListener("submit", function (e) {
      var submitter = e.submitter;
      if (submitter && submitter.closest(".place") && q.value.trim()) {
        document.getElementById("lat").value = "";
        document.getElementById("lon").value = "";
      }
    });
  }

  // ---- one-tap filters -------------------------------------------------------
  function remember(key, value) {
    try { sessionStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }
  function recall(key) {
    try { return sessionStorage.getItem(key); } catch (e) { return null; }
  }
  // The quick filters are one row that scrolls sideways on a phone: after a tap
  // reloads the page, the row is where the rider left it.
  Array.prototype.forEach.call(document.querySelectorAll(".chips.quick"), function (row) {
    var key = "yz-chips-x:" + location.pathname;
    var x = Number(recall(key));
    if (x) row.scrollLeft = x;
    row.addEventListener("scroll", function () { remember(key, String(row.scrollLeft)); }, { passive: true });
  });
  Array.prototype.forEach.call(document.querySelectorAll("form .filters"), function (box) {
    var owner = box.closest("form");
    box.addEventListener("change", function (e) {
      if (e.target.type !== "checkbox" && e.target.type !== "datetime-local") return;
      var hasPlace =
        (owner.querySelector("#lat") && owner.querySelector("#lat").value) ||
        (owner.querySelector("#q") && owner.querySelector("#q").value) ||
        (owner.querySelector("#route") && owner.querySelector("#route").value) ||
        (owner.querySelector("#start") && owner.querySelector("#start").value);
      if (hasPlace) submit(owner);
    });
  });

  // ---- maps ------------------------------------------------------------------
  // Points in the config are WGS-84 [lat, lon]; YM.toMap puts them on the tiles (GCJ-02
  // on Amap) and YM.fromMap brings a tap back to WGS-84 (core/basemap.js).
  var YM = window.YizhanMap;
  function at(p) { return YM.toMap(p[0], p[1]); }
  function baseMap(el, streets) {
    // maxZoom on the map itself: without tiles no layer gives one (marker clusters need it).
    var map = L.map(el, { scrollWheelZoom: false, tap: true, maxZoom: YM.settings.max_zoom });
    map.whenReady(function () { YM.addBase(map, { streets: streets }); });
    return map;
  }
  function pin(state) {
    return L.divIcon({ className: "yz-pin marker-" + state, iconSize: [22, 22] });
  }
  var mapEl = document.getElementById("map");
  var map = null;
  function resultsMap() {
    if (map || !(cfg && mapEl && window.L && YM)) return;
    mapEl.textContent = "";
    map = baseMap(mapEl, cfg.streets);
    var bounds = [];
    var group = L.markerClusterGroup && cfg.stations.length > 1
      ? L.markerClusterGroup({
          maxClusterRadius: 35,
          iconCreateFunction: function (c) {
            return L.divIcon({ html: "<span>" + c.getChildCount() + "</span>", className: "yz-cluster", iconSize: [34, 34] });
          }
        })
      : L.layerGroup();
    cfg.stations.forEach(function (s) {
      var m = L.marker(at(s.point), { icon: pin(s.state), title: s.name, keyboard: false });
      var box = document.createElement("div");
      var a = document.createElement("a");
      a.href = s.url;
      a.textContent = s.name;
      var p = document.createElement("div");
      p.textContent = s.label;
      box.appendChild(a);
      box.appendChild(p);
      m.bindPopup(box);
      group.addLayer(m);
      bounds.push(at(s.point));
    });
    group.addTo(map);
    if (cfg.origin) {
      L.marker(at(cfg.origin), { icon: L.divIcon({ className: "yz-here", iconSize: [18, 18] }), title: MSG.here, keyboard: false }).addTo(map);
      bounds.push(at(cfg.origin));
    }
    if (cfg.route && cfg.route.length) {
      var drawn = cfg.route.map(at);
      L.polyline(drawn, { color: "#0b57d0", weight: 5 }).addTo(map);
      bounds = bounds.concat(drawn);
    }
    if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    else if (bounds.length) map.setView(bounds[0], 16);
    else map.setView([35, 105], 4);
    if (form && cfg.origin) {
      // Pick another starting point on the map.
      map.on("click", function (e) {
        var w = YM.fromMap(e.latlng);
        document.getElementById("lat").value = w.lat.toFixed(6);
        document.getElementById("lon").value = w.lon.toFixed(6);
        document.getElementById("crs").value = "wgs84";
        document.getElementById("q").value = "";
        submit(form);
      });
    }
  }
  // On the home page the map folds under the results' heading (on a phone the list
  // comes first): it is built the first time it is opened, and stays open from page
  // to page once the rider opened it.
  var mapFold = mapEl && mapEl.closest("details.map-fold");
  if (mapFold) {
    mapFold.addEventListener("toggle", function () {
      remember("yz-map-open", mapFold.open ? "1" : "");
      if (!mapFold.open) return;
      if (map) map.invalidateSize();
      else resultsMap();
    });
    if (recall("yz-map-open")) mapFold.open = true;
  } else {
    resultsMap();
  }

  // ---- route drawing and upload ---------------------------------------------
  var routeBox = document.getElementById("route");
  var drawEl = document.getElementById("draw-map");
  var routeCrs = document.getElementById("route-crs");
  var drawCfg = json("finder-draw-config");
  if (routeBox && drawEl && window.L && YM && drawCfg) {
    cfg = cfg || drawCfg;
    {
      drawEl.hidden = false;
      var clear = document.getElementById("draw-clear");
      var dmap = null;
      var points = [];
      var line = null;
      var details = drawEl.closest("details");
      var start = function () {
        if (dmap) return;
        dmap = baseMap(drawEl, drawCfg.streets);
        dmap.setView(at(drawCfg.center || [45.77, 126.62]), 13);
        line = L.polyline([], { color: "#0b57d0", weight: 5 }).addTo(dmap);
        dmap.on("click", function (e) {
          var w = YM.fromMap(e.latlng);
          points.push([w.lon, w.lat]);
          line.addLatLng(e.latlng);
          routeBox.value = points.map(function (p) { return p[0].toFixed(6) + "," + p[1].toFixed(6); }).join(";");
          if (routeCrs) routeCrs.value = "wgs84";
          clear.hidden = false;
        });
      };
      if (details) details.addEventListener("toggle", function () { if (details.open) start(); });
      if (!details || details.open) start();
      clear.addEventListener("click", function () {
        points = [];
        if (line) line.setLatLngs([]);
        routeBox.value = "";
        clear.hidden = true;
      });
    }
  }
  var file = document.getElementById("route-file");
  if (file && routeBox) {
    file.addEventListener("change", function () {
      var f = file.files && file.files[0];
      if (!f) return;
      if (f.size > 2000000) { alert(MSG.too_big); return; }
      f.text().then(function (text) {
        routeBox.value = text;
        if (routeCrs) routeCrs.value = "wgs84";
      });
    });
  }

  // ---- share -------------------------------------------------------------------
  var share = document.getElementById("share");
  var shareStatus = document.getElementById("share-status");
  if (share && (navigator.share || navigator.clipboard)) {
    share.hidden = false;
    share.addEventListener("click", function () {
      var data = { title: share.dataset.title, url: share.dataset.url };
      if (navigator.share) {
        navigator.share(data).catch(function () {});
      } else {
        navigator.clipboard.writeText(data.url).then(function () {
          shareStatus.textContent = MSG.copied;
        });
      }
    });
  }
})();
