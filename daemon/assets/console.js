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
