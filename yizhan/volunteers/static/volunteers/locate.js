// Check-in and check-out: fill the form's hidden lat/lon/accuracy from the phone's
// position before it is sent. Without JavaScript (or when the position is refused or
// slow) the form goes without one and the sign-in is flagged "未定位".
(function () {
  "use strict";
  var status = document.getElementById("locate-status");
  document.querySelectorAll("form.locate").forEach(function (form) {
    var asked = false;
    form.addEventListener("submit", function (event) {
      if (asked || !navigator.geolocation) return;
      event.preventDefault();
      asked = true;
      var button = form.querySelector("button");
      if (button) button.disabled = true;
      if (status) status.textContent = document.documentElement.lang === "en" ? "Locating…" : "正在定位…";
      var send = function () { form.submit(); };
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(7);
        form.elements.lon.value = pos.coords.longitude.toFixed(7);
        form.elements.accuracy_m.value = Math.round(pos.coords.accuracy);
        send();
      }, send, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  });
})();
