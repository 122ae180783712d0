// WatchTower console: the only script the pages load (the Content-Security-Policy allows
// no other, and no inline script).
//
// Invitation and reset emails carry their token in the URL fragment (#token=...), which
// browsers never send to servers, proxies or logs. This moves it into the page's one-time
// form, clears it from the address bar and history, and posts it. Without JavaScript the
// same form asks for the token to be pasted.
(function () {
  "use strict";
  var form = document.getElementById("token-form");
  if (!form) { return; }
  var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match) { return; }
  var field = form.querySelector("input[name=token]");
  if (!field) { return; }
  field.value = decodeURIComponent(match[1]);
  window.history.replaceState(null, "", window.location.pathname);
  form.submit();
})();

// Long tables (the member list) get a filter box: rows whose text does not contain what
// is typed are hidden. Without JavaScript the box is inert and every row shows.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("input[data-filter-table]");
  Array.prototype.forEach.call(boxes, function (box) {
    var table = document.getElementById(box.getAttribute("data-filter-table"));
    if (!table) { return; }
    box.addEventListener("input", function () {
      var want = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = want !== "" && row.textContent.toLowerCase().indexOf(want) === -1;
      });
    });
  });
})();

// The audit log's live view: new entries arrive as Server-Sent Events (each one a table
// row rendered and escaped by the server) and are added at the top of the table. The
// browser reconnects by itself and resumes after the last entry it received
// (Last-Event-ID), so none is missed or shown twice. Without JavaScript the page has a
// Refresh link.
(function () {
  "use strict";
  var table = document.getElementById("audit-table");
  if (!table || !window.EventSource) { return; }
  var url = table.getAttribute("data-stream");
  if (!url) { return; }
  var status = document.getElementById("live-status");
  var body = table.tBodies[0];
  var added = 0;
  var say = function (text) { if (status) { status.textContent = text; } };
  var source = new EventSource(url);
  source.addEventListener("open", function () {
    say(added === 0 ? "Live: new entries appear at the top as they are written."
      : "Live: " + added + " new since the page loaded.");
  });
  source.addEventListener("audit", function (e) {
    if (document.getElementById("entry-" + e.lastEventId)) { return; }
    var tpl = document.createElement("template");
    tpl.innerHTML = e.data.trim();
    var row = tpl.content.firstElementChild;
    if (!row || row.tagName !== "TR") { return; }
    row.classList.add("new");
    body.insertBefore(row, body.firstChild);
    var none = document.getElementById("no-entries");
    if (none) { none.hidden = true; }
    added += 1;
    say("Live: " + added + " new since the page loaded.");
  });
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED) {
      say("The live view stopped (signed out or no longer allowed): refresh the page.");
    } else {
      say("The live view lost its connection: reconnecting…");
    }
  });
})();
