// Passkeys (WebAuthn) on Panjareh's pages: "sign in with a passkey" on the sign-in page and "add a
// passkey" in My Panjareh. Progressive enhancement: both controls are hidden in the HTML and shown
// here only when the browser has WebAuthn; without JavaScript the pages work through their forms.
// The server speaks base64url JSON (PublicKeyCredential.toJSON()); the browser API wants bytes.
(function () {
  'use strict';
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) return;
  var lang = document.documentElement.lang === 'en' ? 'en' : 'fa';

  function bytes(b64url) {
    var s = b64url.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function b64url(buffer) {
    var a = new Uint8Array(buffer);
    var s = '';
    for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      return { type: 'public-key', id: bytes(c.id), transports: c.transports };
    });
  }

  function toJSON(cred) {
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: b64url(cred.rawId),
      type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: b64url(r.clientDataJSON) },
    };
    if (typeof cred.authenticatorAttachment === 'string') out.authenticatorAttachment = cred.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = b64url(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = b64url(r.authenticatorData);
      out.response.signature = b64url(r.signature);
      if (r.userHandle && r.userHandle.byteLength) out.response.userHandle = b64url(r.userHandle);
    }
    return out;
  }

  // The page's CSRF token goes in a header; the server also checks that the Origin is its own.
  function post(url, csrf, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {}),
    }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (res.ok) return data;
        var e = new Error((data && data.error && data.error.message && data.error.message[lang]) || '');
        e.fromServer = true;
        throw e;
      });
    });
  }

  // Runs one ceremony from a control carrying data-options, data-verify, data-csrf, data-error, data-failed.
  function ceremony(box, control, run) {
    var message = document.getElementById(box.dataset.error);
    box.hidden = false;
    control.addEventListener(control.tagName === 'FORM' ? 'submit' : 'click', function (ev) {
      ev.preventDefault();
      var button = control.tagName === 'FORM' ? control.querySelector('button') : control;
      button.disabled = true;
      message.textContent = '';
      post(box.dataset.options, box.dataset.csrf)
        .then(run)
        .catch(function (e) {
          // A cancelled or timed-out browser prompt (NotAllowedError) and a refusal both end here.
          message.textContent = (e && e.fromServer && e.message) || box.dataset.failed;
          button.disabled = false;
        });
    });
  }

  var signin = document.getElementById('passkey-signin');
  if (signin) {
    ceremony(signin, signin.querySelector('button'), function (o) {
      return navigator.credentials
        .get({ publicKey: { challenge: bytes(o.challenge), rpId: o.rpId, timeout: o.timeout, userVerification: o.userVerification, allowCredentials: descriptors(o.allowCredentials) } })
        .then(function (cred) { return post(signin.dataset.verify, signin.dataset.csrf, toJSON(cred)); })
        .then(function (done) { window.location.assign(done.redirect); });
    });
  }

  var add = document.getElementById('passkey-add');
  if (add) {
    ceremony(add, add, function (o) {
      var publicKey = {
        rp: o.rp,
        user: { id: bytes(o.user.id), name: o.user.name, displayName: o.user.displayName },
        challenge: bytes(o.challenge),
        pubKeyCredParams: o.pubKeyCredParams,
        timeout: o.timeout,
        attestation: o.attestation,
        authenticatorSelection: o.authenticatorSelection,
        excludeCredentials: descriptors(o.excludeCredentials),
        extensions: o.extensions,
      };
      return navigator.credentials
        .create({ publicKey: publicKey })
        .then(function (cred) { return post(add.dataset.verify, add.dataset.csrf, { nickname: add.elements.nickname.value, credential: toJSON(cred) }); })
        .then(function () {
          // Back to the list, now with the new passkey: a link to the page itself would only scroll.
          var done = new URL(add.dataset.done, window.location.href);
          if (done.pathname === window.location.pathname && done.search === window.location.search) {
            window.location.hash = done.hash;
            window.location.reload();
          } else {
            window.location.assign(done.href);
          }
        });
    });
  }
})();
