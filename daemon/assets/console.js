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

// Times: the server writes <time datetime="...Z" title="... UTC">... UTC</time>; here
// the text becomes the viewer's own time zone (the title keeps UTC, shown on hover).
// Rows added later (the audit log's live view) go through the same function.
(function () {
  "use strict";
  function localTimes(root) {
    var times = root.querySelectorAll("time[datetime]");
    Array.prototype.forEach.call(times, function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d.getTime())) { return; }
      t.textContent = d.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
      t.setAttribute("data-local", "1");
    });
  }
  window.wtLocalTimes = localTimes;
  localTimes(document);
})();

// Recovery codes: Copy, Download (.txt) and Print. The codes are text on the page; the
// download is a blob: URL made here (never a URL the server sees, never cached).
(function () {
  "use strict";
  var list = document.getElementById("recovery-codes");
  var actions = document.getElementById("code-actions");
  if (!list || !actions) { return; }
  var codes = Array.prototype.map.call(list.querySelectorAll("li"), function (li) {
    return li.textContent.trim();
  });
  var text = "WatchTower recovery codes for " + (list.getAttribute("data-account") || "") +
    " (" + (list.getAttribute("data-org") || "") + ")\n" +
    "Each code works once. Keep them somewhere safe.\n\n" + codes.join("\n") + "\n";
  var status = document.getElementById("codes-status");
  function say(msg) { if (status) { status.textContent = msg; } }
  var copy = document.getElementById("codes-copy");
  copy.addEventListener("click", function () {
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(list);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      var done = false;
      try { done = document.execCommand("copy"); } catch (e) { done = false; }
      say(done ? "Copied to the clipboard." : "Select the codes and copy them.");
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(codes.join("\n") + "\n").then(function () {
        say("Copied to the clipboard.");
      }, fallback);
    } else {
      fallback();
    }
  });
  var download = document.getElementById("codes-download");
  download.href = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  download.addEventListener("click", function () { say("Downloaded watchtower-recovery-codes.txt."); });
  document.getElementById("codes-print").addEventListener("click", function () {
    window.print();
  });
  actions.hidden = false;
})();

// A secret shown once (a new ingestion key) gets a Copy button: hidden without
// JavaScript, where the read-only field can be selected and copied by hand.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy-target]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) { return; }
    var status = document.getElementById("copy-status");
    button.hidden = false;
    var done = function (ok) {
      button.textContent = ok ? "Copied" : "Copy";
      if (status) {
        status.textContent = ok ? "The secret is copied to the clipboard." :
          "Could not copy: select the secret and copy it by hand.";
      }
    };
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () {
          done(document.execCommand && document.execCommand("copy"));
        });
      } else {
        done(document.execCommand && document.execCommand("copy"));
      }
    });
  });
})();

// Parts of a page that change while it is open (the addresses a rotated key is still used
// from) carry data-poll: the same-origin URL of their fresh markup, fetched every few
// seconds while the page is visible and swapped in when it changed. Without JavaScript a
// reload shows the same.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-poll]");
  Array.prototype.forEach.call(boxes, function (box) {
    var url = box.getAttribute("data-poll");
    if (!url || url.charAt(0) !== "/" || url.charAt(1) === "/") { return; }
    var every = parseInt(box.getAttribute("data-poll-ms") || "3000", 10);
    var last = null;
    var timer = null;
    var tick = function () {
      if (document.visibilityState === "hidden") { return; }
      fetch(url, { credentials: "same-origin", cache: "no-store", redirect: "error" })
        .then(function (r) {
          if (!r.ok) { throw new Error("status " + r.status); }
          return r.text();
        })
        .then(function (text) {
          if (text === last) { return; }
          last = text;
          var doc = new DOMParser().parseFromString(text, "text/html");
          var fresh = doc.body.firstElementChild;
          if (!fresh) { return; }
          var old = box.firstElementChild;
          var node = document.importNode(fresh, true);
          if (old) { box.replaceChild(node, old); } else { box.appendChild(node); }
          box.setAttribute("data-polled", String(Date.now()));
        })
        .catch(function () {
          // Signed out, or the key is gone: stop asking.
          if (timer) { window.clearInterval(timer); }
        });
    };
    timer = window.setInterval(tick, every > 500 ? every : 3000);
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
    if (window.wtLocalTimes) { window.wtLocalTimes(row); }
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

// Passkeys (WebAuthn). A ceremony page's form carries the server's options in
// data-options (JSON, binary fields in base64url) and data-webauthn ("create" or "get").
// The button asks the browser (navigator.credentials), and the answer goes back in the
// form's hidden "credential" field as JSON, binary fields in base64url again. The
// server keeps the ceremony's state; nothing here is trusted by it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-webauthn]");
  if (!form) { return; }
  var button = document.getElementById("passkey-go");
  var status = document.getElementById("passkey-status");
  var field = document.getElementById("passkey-credential");
  function say(text) { if (status) { status.textContent = text; } }
  if (!window.PublicKeyCredential || !navigator.credentials) {
    say("This browser does not support passkeys. Go back and use another way.");
    if (button) { button.disabled = true; }
    return;
  }
  function fromB64url(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  function toB64url(buf) {
    if (!buf) { return null; }
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function decodeList(list) {
    return (list || []).map(function (c) {
      var copy = Object.assign({}, c);
      copy.id = fromB64url(c.id);
      return copy;
    });
  }
  var kind = form.getAttribute("data-webauthn");
  var options;
  try {
    options = JSON.parse(form.getAttribute("data-options")).publicKey;
  } catch (e) {
    say("The page is damaged: go back and try again.");
    return;
  }
  options.challenge = fromB64url(options.challenge);
  if (kind === "create") {
    options.user = Object.assign({}, options.user, { id: fromB64url(options.user.id) });
    options.excludeCredentials = decodeList(options.excludeCredentials);
  } else {
    options.allowCredentials = decodeList(options.allowCredentials);
  }
  function encode(cred) {
    var r = cred.response;
    var response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (kind === "create") {
      response.attestationObject = toB64url(r.attestationObject);
      if (r.getTransports) { response.transports = r.getTransports(); }
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      response.userHandle = toB64url(r.userHandle);
    }
    return JSON.stringify({
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      response: response,
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    });
  }
  button.addEventListener("click", function () {
    say("Waiting for your passkey…");
    button.disabled = true;
    var call = kind === "create"
      ? navigator.credentials.create({ publicKey: options })
      : navigator.credentials.get({ publicKey: options });
    call.then(function (cred) {
      field.value = encode(cred);
      say("Checking…");
      form.submit();
    }, function (err) {
      button.disabled = false;
      say(err && err.name === "NotAllowedError"
        ? "Cancelled or timed out. Try again, or go back and use another way."
        : "The passkey did not work (" + (err && err.name ? err.name : "error") + "). Try again, or go back and use another way.");
    });
  });
})();

// ---- Passwordless sign-in: conditional UI (issue #26) ----
// The login page carries a hidden form with a ceremony for a passkey sign-in that names
// no account (data-options, as a ceremony page's). Where the browser supports
// conditional mediation, it offers this site's passkeys in the address field's autofill
// (autocomplete="username webauthn"); picking one answers the ceremony and the form is
// posted. Without it (or without JavaScript) the password form and the "Sign in with a
// passkey" button work as they are.
(function () {
  "use strict";
  var form = document.querySelector("form[data-webauthn-conditional]");
  if (!form || !window.PublicKeyCredential || !navigator.credentials) { return; }
  if (typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") { return; }
  var field = document.getElementById("passkey-conditional-credential");
  function fromB64url(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  function toB64url(buf) {
    if (!buf) { return null; }
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  var options;
  try {
    options = JSON.parse(form.getAttribute("data-options")).publicKey;
  } catch (e) {
    return;
  }
  options.challenge = fromB64url(options.challenge);
  options.allowCredentials = [];
  var abort = window.AbortController ? new AbortController() : null;
  // The modal "Sign in with a passkey" leaves the page: end the autofill request first.
  var start = document.getElementById("passkey-signin-form");
  if (start && abort) {
    start.addEventListener("submit", function () { abort.abort(); });
  }
  PublicKeyCredential.isConditionalMediationAvailable().then(function (yes) {
    if (!yes) { return; }
    var req = { mediation: "conditional", publicKey: options };
    if (abort) { req.signal = abort.signal; }
    return navigator.credentials.get(req).then(function (cred) {
      if (!cred) { return; }
      var r = cred.response;
      field.value = JSON.stringify({
        id: cred.id,
        rawId: toB64url(cred.rawId),
        type: cred.type,
        response: {
          clientDataJSON: toB64url(r.clientDataJSON),
          authenticatorData: toB64url(r.authenticatorData),
          signature: toB64url(r.signature),
          userHandle: toB64url(r.userHandle)
        },
        extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
      });
      form.submit();
    });
  }).catch(function () { /* cancelled or unsupported: the other ways stay */ });
})();
// ---- end passwordless sign-in ----
