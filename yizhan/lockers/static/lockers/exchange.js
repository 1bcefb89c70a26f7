// The exchange list: "nearest first" asks for the phone's position and reloads with it.
(function () {
  "use strict";
  var button = document.getElementById("near-me");
  var status = document.getElementById("near-status");
  if (!button || !navigator.geolocation) return;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      var url = new URL(window.location.href);
      url.searchParams.set("lat", p.coords.latitude.toFixed(5));
      url.searchParams.set("lon", p.coords.longitude.toFixed(5));
      window.location.href = url.toString();
    }, function () { status.textContent = button.dataset.denied; }, { timeout: 8000 });
  });
})();
