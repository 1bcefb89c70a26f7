/* Yizhan's service worker: the worker pages survive a bad connection (couriers in
   basements and lifts). Served by finder/offline.py: service_worker at /sw.js (scope: the
   whole site, both languages); CONFIG below is written there from the URL conf and the
   static files' (hashed) names.

   - Worker pages (finder, route, station pages, the QR feedback pages, follow pages,
     "my" pages of this phone): network first; when the network fails or is slower than
     CONFIG.timeout_ms, the copy saved last time, marked so the page says 离线 and when it
     was saved. A finder or route page never saved opens the latest results saved; any
     other page the offline page. Only 200 answers are saved, a few dozen at most.
   - Static files: from the cache, refreshed in the background (hashed ones never change).
   - A check-in, rating or report form sent while the connection is down: kept in the
     outbox (offline-store.js; the page sends it when the phone is online again) and the
     page is shown again, saying what waits.
   Staff pages, the console, the API and anything else: never touched, never cached.
   Hand-written (no build step; Workbox would need one). */
"use strict";

var CONFIG = {{ config|safe }};
importScripts(CONFIG.outbox_script);

var PAGES = "yizhan-pages";
var STATIC = "yizhan-static";
var PRECACHE = "yizhan-precache-" + CONFIG.version;
var SAVED = "X-Yizhan-Saved";
var RULES = CONFIG.pages.map(function (rule) {
  return { kind: rule.kind, re: new RegExp(rule.re), keep: rule.keep, query: rule.query };
});
var HASHED = /\.[0-9a-f]{12}\.[a-z0-9]+$/;
var QUEUED_ACTIONS = ["checkin", "rate", "report"];

function ruleFor(path) {
  for (var i = 0; i < RULES.length; i++) if (RULES[i].re.test(path)) return RULES[i];
  return null;
}

function offlineUrl(path) {
  return path.indexOf(CONFIG.offline.en_prefix) === 0 ? CONFIG.offline.en : CONFIG.offline.zh;
}

/* The key a page is saved under: a QR page's answers (?done=…) are the same page. */
function keyFor(url, rule) {
  return rule.query ? url.origin + url.pathname + url.search : url.origin + url.pathname;
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(PRECACHE).then(function (cache) {
      var urls = [CONFIG.offline.zh, CONFIG.offline.en].concat(CONFIG.precache);
      return Promise.all(
        urls.map(function (u) {
          return cache.add(new Request(u, { credentials: "same-origin" })).catch(function () {});
        })
      );
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names
          .filter(function (n) { return n.indexOf("yizhan-precache-") === 0 && n !== PRECACHE; })
          .map(function (n) { return caches.delete(n); })
      );
    }).then(function () {
      return self.clients.claim();
    }).then(function () {
      // The pages open while this worker was installing came from the network: save them.
      return self.clients.matchAll({ type: "window" });
    }).then(function (windows) {
      return Promise.all(windows.map(function (w) { return saveOpenPage(w); }));
    })
  );
});

function saveOpenPage(client) {
  var url = new URL(client.url);
  var rule = ruleFor(url.pathname);
  if (!rule || url.origin !== self.location.origin) return Promise.resolve();
  return fetch(url.href, { credentials: "same-origin" })
    .then(function (res) { return save(url, rule, res); })
    .then(function () { client.postMessage({ type: "saved", url: client.url }); })
    .catch(function () {});
}

/* Keep a copy of a page answer (only a plain 200 page), stamped with when it was saved,
   and forget the oldest copies of that kind beyond its limit. */
function save(url, rule, res) {
  if (!res || res.status !== 200 || res.type !== "basic") return Promise.resolve();
  var type = res.headers.get("Content-Type") || "";
  if (type.indexOf("text/html") !== 0) return Promise.resolve();
  var final = res.redirected && res.url ? new URL(res.url) : url;
  var finalRule = ruleFor(final.pathname);
  if (!finalRule) return Promise.resolve();
  return res.blob().then(function (body) {
    var headers = new Headers(res.headers);
    headers.set(SAVED, String(Date.now()));
    var copy = new Response(body, { status: 200, statusText: "OK", headers: headers });
    return caches.open(PAGES).then(function (cache) {
      return cache.put(keyFor(final, finalRule), copy).then(function () {
        return trim(cache, finalRule);
      });
    });
  });
}

function trim(cache, rule) {
  return cache.keys().then(function (keys) {
    var same = keys.filter(function (k) {
      var r = ruleFor(new URL(k.url).pathname);
      return r && r.kind === rule.kind;
    });
    var extra = same.length - rule.keep;
    return Promise.all(same.slice(0, Math.max(0, extra)).map(function (k) { return cache.delete(k); }));
  });
}

function trimStatic(cache) {
  return cache.keys().then(function (keys) {
    var extra = keys.slice(0, Math.max(0, keys.length - CONFIG.static_keep));
    return Promise.all(extra.map(function (k) { return cache.delete(k); }));
  });
}

/* A saved page, marked for the page's script: <html data-offline-saved="ms">. */
function marked(res) {
  var saved = res.headers.get(SAVED) || "0";
  return res.text().then(function (html) {
    var headers = new Headers(res.headers);
    headers.set("Content-Type", "text/html; charset=utf-8");
    return new Response(html.replace(/<html\b/i, '<html data-offline-saved="' + saved + '"'), {
      status: 200,
      headers: headers
    });
  });
}

/* The newest saved page of the same finder page (nearby or route) in the same language:
   "the last results". */
function latestResults(url) {
  return caches.open(PAGES).then(function (cache) {
    return cache.keys().then(function (keys) {
      var same = keys.filter(function (k) {
        var u = new URL(k.url);
        return u.pathname === url.pathname && u.search;
      });
      return Promise.all(same.map(function (k) { return cache.match(k); })).then(function (found) {
        var best = null;
        found.forEach(function (res) {
          if (res && (!best || +res.headers.get(SAVED) > +best.headers.get(SAVED))) best = res;
        });
        return best;
      });
    });
  });
}

function fromCache(url, rule) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(keyFor(url, rule), { ignoreVary: true });
  }).then(function (hit) {
    if (hit) return hit;
    if (rule.kind === "finder") return latestResults(url);
    return null;
  }).then(function (hit) {
    if (hit) return marked(hit);
    return caches.match(offlineUrl(url.pathname), { ignoreVary: true });
  });
}

function timeout(ms) {
  return new Promise(function (resolve, reject) {
    setTimeout(function () { reject(new Error("timeout")); }, ms);
  });
}

function page(event, url, rule) {
  var answer = fetch(event.request).then(
    function (res) { return res; },
    function () { return null; }
  );
  var network = answer.then(function (res) {
    if (!res || res.status >= 500) throw new Error("no answer");
    event.waitUntil(save(url, rule, res.clone()).catch(function () {}));
    return res;
  });
  return Promise.race([network, timeout(CONFIG.timeout_ms)]).catch(function () {
    return fromCache(url, rule).then(function (saved) {
      if (saved) return saved;
      // Nothing saved: wait for the network after all, else a plain "offline" answer.
      return answer.then(function (res) {
        return res || new Response("离线 · Offline", {
          status: 503,
          headers: { "Content-Type": "text/plain; charset=utf-8" }
        });
      });
    });
  });
}

/* A feedback form posted while the network is down, or still unanswered after
   CONFIG.post_timeout_ms (one bar in a lift): into the outbox, then the page again (from
   the cache), which lists what waits. Should the slow post arrive after all, the outbox's
   send (not before a minute) carries the same client id and is recorded once. Other
   forms get the offline page. */
function post(event, url) {
  var copy = event.request.clone();
  var slow = false;
  var sent = fetch(event.request);
  var waited = timeout(CONFIG.post_timeout_ms).catch(function () { slow = true; throw new Error("slow"); });
  return Promise.race([sent, waited]).catch(function () {
    return keep(copy, url, slow ? Date.now() + 60 * 1000 : 0);
  });
}

function keep(request, url, notBefore) {
  return request.formData().then(function (form) {
    var fields = [];
    form.forEach(function (value, name) { fields.push([name, value]); });
    if (QUEUED_ACTIONS.indexOf(String(form.get("action"))) < 0) {
      return caches.match(offlineUrl(url.pathname), { ignoreVary: true });
    }
    return titleOf(url).then(function (title) {
      return self.YizhanOutbox.add(url.pathname, fields, title, Date.now(), notBefore);
    }).then(function () {
      return Response.redirect(url.origin + url.pathname + "#offline-status", 303);
    });
  });
}

function titleOf(url) {
  return caches.open(PAGES)
    .then(function (cache) { return cache.match(url.origin + url.pathname, { ignoreVary: true }); })
    .then(function (res) { return res ? res.text() : ""; })
    .then(function (html) {
      var m = /<h1[^>]*>([^<]*)<\/h1>/.exec(html);
      return m ? m[1].trim() : "";
    })
    .catch(function () { return ""; });
}

function staticFile(event) {
  var request = event.request;
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var fresh = fetch(request).then(function (res) {
        if (res.status === 200 && res.type === "basic") {
          return cache.put(request, res.clone()).then(function () {
            return trimStatic(cache);
          }).then(function () { return res; });
        }
        return res;
      });
      if (hit) {
        if (!HASHED.test(new URL(request.url).pathname)) event.waitUntil(fresh.catch(function () {}));
        return hit;
      }
      return fresh.catch(function () {
        return caches.match(request, { ignoreSearch: true }).then(function (pre) {
          return pre || Response.error();
        });
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "GET" && url.pathname.indexOf(CONFIG.static_prefix) === 0) {
    event.respondWith(staticFile(event));
    return;
  }
  if (request.mode !== "navigate") return;
  var rule = ruleFor(url.pathname);
  if (!rule) return;
  if (request.method === "GET") event.respondWith(page(event, url, rule));
  else if (request.method === "POST" && rule.kind === "qr") event.respondWith(post(event, url));
});
