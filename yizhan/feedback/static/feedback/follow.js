/* The follow page's "keep this report": share the link through the phone's own share
   sheet (navigator.share), or copy it (the clipboard API, else the selected field).
   Without JavaScript the link stays in a read-only field to copy by hand. */
(function () {
  "use strict";
  var box = document.querySelector("[data-keep]");
  var field = document.getElementById("follow-link");
  if (!box || !field) return;
  var status = document.querySelector("[data-keep-status]");
  var share = box.querySelector("[data-share]");
  var copy = box.querySelector("[data-copy]");
  var link = field.value;

  function say(text) {
    if (status) status.textContent = text;
  }

  function copyBySelection() {
    field.focus();
    field.select();
    field.setSelectionRange(0, link.length);
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (e) {
      done = false;
    }
    say(done ? box.dataset.copied : box.dataset.copyFailed);
  }

  function copyLink() {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(link).then(
        function () { say(box.dataset.copied); },
        copyBySelection
      );
    } else {
      copyBySelection();
    }
  }

  copy.hidden = false;
  copy.addEventListener("click", copyLink);
  share.hidden = false;
  share.addEventListener("click", function () {
    if (!navigator.share) {
      copyLink();
      return;
    }
    navigator
      .share({ title: box.dataset.shareTitle, text: box.dataset.shareText, url: link })
      .catch(function (err) {
        // The worker closed the share sheet: nothing to say. Anything else: copy instead.
        if (!err || err.name !== "AbortError") copyLink();
      });
  });
  field.addEventListener("focus", function () { field.select(); });
})();
