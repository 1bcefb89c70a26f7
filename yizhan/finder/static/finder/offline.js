/* The worker pages without a connection (issue 18, point 6).

   - Registers the service worker (/sw.js), which keeps the pages seen for offline use.
   - A page the worker shows from its saved copy says so: 离线 · 本页保存于 14:03.
   - A check-in, rating or report form (form[data-offline="queue"]) sent while the phone
     is offline goes into the outbox (offline-store.js) with the phone's time; the service
     worker does the same when the connection fails on the way. When the phone is online
     again, each one is sent to its page exactly once (its client id), stamped with the
     time it was made (client_at), and the page says what is waiting and when it was sent.
   - The offline page lists the pages saved on this phone.
   Words come from the script tag's data-w-* attributes (finder/_offline.html). */
(function () {
  "use strict";
  var me = document.getElementById("offline-js");
  var outbox = window.YizhanOutbox;
  if (!me || !outbox || !window.indexedDB) return;
  var data = me.dataset;
  var root = document.documentElement;
  var savedAt = Number(root.getAttribute("data-offline-saved")) || 0;
  var PAGES = "yizhan-pages"; // the service worker's cache of pages (sw.js)
  var HOUR = 3600 * 1000;
  var sending = false;
  var box = null;

  function w(name, vars) {
    var text = data["w" + name] || "";
    Object.keys(vars || {}).forEach(function (k) {
      text = text.split("{" + k + "}").join(String(vars[k]));
    });
    return text;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /* 14:03 today, 12-06 14:03 another day (the phone's clock). */
  function when(ms) {
    var t = new Date(ms);
    var hm = pad(t.getHours()) + ":" + pad(t.getMinutes());
    return t.toDateString() === new Date().toDateString()
      ? hm
      : pad(t.getMonth() + 1) + "-" + pad(t.getDate()) + " " + hm;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function kind(item) {
    return w({ checkin: "Checkin", rate: "Rate", report: "Report" }[item.action] || "Report");
  }

  function line(item) {
    var parts = [kind(item)];
    if (item.title) parts.push(item.title);
    parts.push(w("Made", { time: when(item.made_at) }));
    if (item.sent_at && item.state === "sent") parts.push(w("SentAt", { time: when(item.sent_at) }));
    var li = el("li", "", parts.join(" · "));
    if (item.link) {
      li.appendChild(document.createTextNode(" · "));
      var a = el("a", "", w("Follow"));
      a.href = item.link;
      li.appendChild(a);
    }
    if (item.why) li.appendChild(el("span", "why", item.why));
    return li;
  }

  function group(parent, heading, items, className) {
    if (!items.length) return;
    parent.appendChild(el("p", className, heading));
    var ul = el("ul", "outbox-items");
    items.forEach(function (item) { ul.appendChild(line(item)); });
    parent.appendChild(ul);
  }

  /* What the page says: saved copy or offline, and the outbox (waiting, sent, refused). */
  function render() {
    return outbox.all().then(function (items) {
      var waiting = items.filter(function (i) { return i.state === "waiting"; });
      var sent = items.filter(function (i) { return i.state === "sent"; });
      var refused = items.filter(function (i) { return i.state === "refused"; });
      var offline = navigator.onLine === false;
      root.setAttribute("data-outbox-waiting", String(waiting.length));
      if (!savedAt && !offline && !items.length) {
        if (box) box.hidden = true;
        return;
      }
      if (!box) {
        box = el("section", "offline-status");
        box.id = "offline-status";
        box.setAttribute("role", "status");
        box.setAttribute("aria-live", "polite");
        var main = document.getElementById("main") || document.body;
        main.insertBefore(box, main.firstChild);
      }
      box.hidden = false;
      box.textContent = "";
      if (savedAt) {
        box.appendChild(
          el("p", "offline-saved", w(offline ? "OfflineSaved" : "SavedOnline", { time: when(savedAt) }))
        );
      } else if (offline) {
        box.appendChild(el("p", "offline-saved", w("OfflineNow")));
      }
      group(
        box,
        sending && !offline ? w("Sending") : w("Waiting", { n: waiting.length }),
        waiting,
        "outbox-waiting"
      );
      group(box, w("Sent", { n: sent.length }), sent, "outbox-sent");
      group(box, w("Refused"), refused, "outbox-refused");
      // The notes left where a form was sent offline: now sent, or not accepted.
      items.forEach(function (item) {
        var note = document.querySelector('.offline-note[data-item="' + item.id + '"]');
        if (note && item.state === "sent") note.textContent = w("SentNote");
        else if (note && item.state === "refused") note.textContent = w("Refused") + " " + item.why;
      });
      if (sent.length || refused.length) {
        var ok = el("button", "btn", w("Dismiss"));
        ok.type = "button";
        ok.addEventListener("click", function () {
          Promise.all(sent.concat(refused).map(function (i) { return outbox.remove(i.id); })).then(render);
        });
        box.appendChild(ok);
      }
    });
  }

  // Sending -----------------------------------------------------------------------------

  function body(item) {
    var form = new FormData();
    item.fields.forEach(function (pair) { form.append(pair[0], pair[1]); });
    form.append("client_id", item.id);
    form.append("client_at", new Date(item.made_at).toISOString());
    return form;
  }

  /* The page's form token again (a new one, if the phone's was renewed meanwhile). */
  function renew(item) {
    item.renewed = true;
    return fetch(item.url, { credentials: "same-origin" })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        var m = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html);
        if (!m) return;
        item.fields = item.fields.map(function (pair) {
          return pair[0] === "csrfmiddlewaretoken" ? [pair[0], m[1]] : pair;
        });
      });
  }

  function reason(res) {
    return res.text().then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var said = Array.prototype.map.call(doc.querySelectorAll(".errors li"), function (li) {
        return li.textContent.trim();
      });
      return said.length ? said.join("；") : w("RefusedAny");
    }, function () { return w("RefusedAny"); });
  }

  /* One item, once: resolves to "stop" when the phone is still offline. A retry of an
     item that did arrive (the answer was lost) carries the same client id, and the server
     gives back what it recorded the first time. */
  function sendOne(item) {
    return fetch(item.url, { method: "POST", body: body(item), credentials: "same-origin" }).then(
      function (res) {
        if (res.status === 403 && !item.renewed) {
          return renew(item).then(function () { return sendOne(item); });
        }
        if (res.ok) {
          item.state = "sent";
          item.sent_at = Date.now();
          item.link = item.action === "report" && res.redirected ? res.url : "";
          item.fields = [];
          return outbox.put(item);
        }
        if (res.status === 429 || res.status >= 500) {
          item.tries = (item.tries || 0) + 1;
          item.next_at = Date.now() + Math.min(10 * 60 * 1000, 30 * 1000 * item.tries);
          return outbox.put(item);
        }
        return reason(res).then(function (why) {
          item.state = "refused";
          item.why = why;
          item.fields = [];
          return outbox.put(item);
        });
      },
      function () { return "stop"; }
    );
  }

  function sendAll() {
    return outbox.all().then(function (items) {
      var due = items.filter(function (i) { return i.state === "waiting" && (i.next_at || 0) <= Date.now(); });
      return due.reduce(function (chain, item) {
        return chain.then(function (stop) { return stop === "stop" ? stop : sendOne(item); });
      }, Promise.resolve());
    });
  }

  /* Send what waits. When the network fails on the way although the phone says it is
     online (a weak signal), try again soon: in 5 s, then 10, 20… up to a minute. */
  var retryIn = 0;
  function flush() {
    if (sending || navigator.onLine === false) return Promise.resolve();
    sending = true;
    // One tab sends at a time (the others find the items already sent).
    var run = navigator.locks ? navigator.locks.request("yizhan-outbox", sendAll) : sendAll();
    return render()
      .then(function () { return run; })
      .catch(function () {})
      .then(function (result) {
        sending = false;
        if (result === "stop") {
          retryIn = Math.min(60 * 1000, retryIn ? retryIn * 2 : 5000);
          setTimeout(flush, retryIn);
        } else {
          retryIn = 0;
        }
        return render();
      });
  }

  // Forms -------------------------------------------------------------------------------

  function say(form, text, id) {
    var note = form.parentNode.querySelector(".offline-note");
    if (!note) {
      note = el("p", "notice offline-note");
      form.parentNode.insertBefore(note, form);
    }
    note.textContent = text;
    if (id) note.setAttribute("data-item", id);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || navigator.onLine !== false) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    event.preventDefault();
    if (form.getAttribute("data-offline") !== "queue") {
      say(form, w("NotOffline"));
      return;
    }
    var fields = [];
    new FormData(form, event.submitter).forEach(function (value, name) { fields.push([name, value]); });
    var h1 = document.querySelector("main h1");
    outbox
      .add(location.pathname, fields, h1 ? h1.textContent.trim() : "", Date.now())
      .then(function (item) {
        say(form, w("Queued"), item.id);
        form.hidden = true;
        return render();
      })
      .then(function () { if (box) box.scrollIntoView({ block: "start" }); });
  });

  // A page from its saved copy: its forms get new client ids (the copy's were the
  // copy's), so each submission made from it is its own.
  if (savedAt) {
    Array.prototype.forEach.call(
      document.querySelectorAll('form[data-offline="queue"] input[name="client_id"]'),
      function (input) { input.value = outbox.uuid(); }
    );
  }

  // The offline page: the pages saved on this phone, in this page's language -------------

  function listSaved(list) {
    if (!window.caches) return;
    var english = root.lang === "en";
    var enPrefix = list.getAttribute("data-en-prefix") || "/en/";
    caches.open(PAGES).then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.map(function (request) {
          var url = new URL(request.url);
          if ((url.pathname.indexOf(enPrefix) === 0) !== english) return null;
          return cache.match(request).then(function (res) {
            if (!res) return null;
            return res.text().then(function (html) {
              var doc = new DOMParser().parseFromString(html, "text/html");
              if (doc.querySelector("[data-offline-page]")) return null;
              var h1 = doc.querySelector("main h1");
              return {
                url: url.pathname + url.search,
                title: (h1 && h1.textContent.trim()) || doc.title,
                at: Number(res.headers.get("X-Yizhan-Saved")) || 0
              };
            });
          });
        }));
      });
    }).then(function (pages) {
      pages = pages.filter(Boolean).sort(function (a, b) { return b.at - a.at; }).slice(0, 40);
      if (!pages.length) return;
      list.textContent = "";
      pages.forEach(function (p) {
        var li = el("li");
        var a = el("a", "", p.title);
        a.href = p.url;
        li.appendChild(a);
        li.appendChild(el("span", "small", " · " + w("SavedAt", { time: when(p.at) })));
        list.appendChild(li);
      });
    }).catch(function () {});
  }

  // Start -------------------------------------------------------------------------------

  if ("serviceWorker" in navigator && window.isSecureContext && data.sw) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "saved") root.setAttribute("data-offline-ready", "1");
    });
    navigator.serviceWorker.register(data.sw, { scope: "/" }).catch(function () {});
    if (navigator.serviceWorker.controller) root.setAttribute("data-offline-ready", "1");
  }
  var saved = document.getElementById("offline-pages");
  if (saved) listSaved(saved);

  window.addEventListener("online", function () { render().then(flush); });
  window.addEventListener("offline", render);
  outbox.all().then(function (items) {
    // Sent ones are shown for an hour, refused ones for a week (or until 知道了).
    var now = Date.now();
    return Promise.all(items.filter(function (i) {
      return (i.state === "sent" && now - i.sent_at > HOUR) || (i.state === "refused" && now - i.made_at > 168 * HOUR);
    }).map(function (i) { return outbox.remove(i.id); }));
  }).then(render).then(function () {
    if (location.hash === "#offline-status" && box) box.scrollIntoView({ block: "start" });
    return flush();
  }).catch(function () {});
  setInterval(function () {
    if (!sending && navigator.onLine !== false && root.getAttribute("data-outbox-waiting") !== "0") flush();
  }, 20 * 1000);
})();
