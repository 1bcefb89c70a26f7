/* The outbox: check-ins, ratings and reports made without a connection, kept in the
   phone's IndexedDB until they are sent. Shared by the pages (offline.js) and the service
   worker (sw.js, through importScripts), so both keep one list.

   An item: { id: its client id (the server records one submission per id, however often
   it is sent), url: the form's page, action: "checkin" | "rate" | "report", title: the
   station, fields: [[name, value or File], ...], made_at: the phone's time it was made
   (ms), state: "waiting" | "sent" | "refused", sent_at, link (a report's follow page),
   why (the reason it was refused), tries, next_at }. */
(function (root) {
  "use strict";
  var DB = "yizhan-offline";
  var STORE = "outbox";
  var opening = null;

  function open() {
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      var req = root.indexedDB.open(DB, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore(STORE, { keyPath: "id" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { opening = null; reject(req.error); };
    });
    return opening;
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function uuid() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var b = root.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* A new waiting item from a form's fields; its client id is the form's (a fresh one
     when the form has none); not sent before ``notBefore`` (ms) when given. Resolves to
     the item. */
  function add(url, fields, title, madeAt, notBefore) {
    var id = "";
    var kept = [];
    var action = "";
    fields.forEach(function (pair) {
      if (pair[0] === "client_id") id = String(pair[1]);
      else if (pair[0] !== "client_at") kept.push(pair);
      if (pair[0] === "action") action = String(pair[1]);
    });
    var item = {
      id: id || uuid(),
      url: url,
      action: action,
      title: title || "",
      fields: kept,
      made_at: madeAt || Date.now(),
      state: "waiting",
      tries: 0,
      next_at: notBefore || 0
    };
    return run("readwrite", function (store) { store.put(item); }).then(function () { return item; });
  }

  function all() {
    return run("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.made_at - b.made_at; });
    });
  }

  function put(item) {
    return run("readwrite", function (store) { store.put(item); });
  }

  function remove(id) {
    return run("readwrite", function (store) { store.delete(id); });
  }

  root.YizhanOutbox = { add: add, all: all, put: put, remove: remove, uuid: uuid };
})(self);
