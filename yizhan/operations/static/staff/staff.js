// Staff pages: forms marked data-geo send the phone's position with the tap (the server
// checks it against the station). Without location (denied, no GPS, no JavaScript) the
// form still posts and the record is flagged "no position".
(function () {
  "use strict";
  function fill(form, pos) {
    form.elements.lat.value = pos.coords.latitude.toFixed(6);
    form.elements.lon.value = pos.coords.longitude.toFixed(6);
    form.elements.accuracy.value = Math.round(pos.coords.accuracy);
  }
  document.querySelectorAll("form[data-geo]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located || !navigator.geolocation) return;
      event.preventDefault();
      var submitter = event.submitter;
      var send = function () {
        form.dataset.located = "1";
        if (submitter && submitter.name) {
          var hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
          form.appendChild(hidden);
        }
        form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        form.submit();
      };
      navigator.geolocation.getCurrentPosition(
        function (pos) { fill(form, pos); send(); },
        send,
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
      );
    });
  });
})();
