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
