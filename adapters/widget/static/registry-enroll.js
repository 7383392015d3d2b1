/* Open ECE Workforce Registry: embeddable enrollment widget.
 *
 *   <script src="https://REGISTRY/widget/registry-enroll.js" data-sponsor="SLUG"
 *           data-client-id="CLIENT_ID" defer></script>
 *
 * Lists the sponsor's upcoming published trainings from the public calendar API
 * (GET /api/v1/calendar?sponsor=SLUG), with a text filter, a place filter and seats left.
 *
 * Enrolling, with data-client-id (a public OAuth client of the sponsor whose redirect URI is this
 * page): Enroll sends the visitor to the registry's /oauth/authorize (authorization code, PKCE
 * S256, a random state), where they sign in or create a profile and allow the enrollment. The
 * registry sends them back here with a code; the widget redeems it at /oauth/token, reads the
 * visitor's Registry ID (GET /api/v1/me), enrolls them (POST /api/v1/events/ID/enrollments),
 * revokes the token at once and shows the outcome (enrolled or waitlisted). The code verifier
 * and state live in sessionStorage for the round trip only; the token is never stored.
 * Without data-client-id, Enroll links open the event on the registry (/widget/enroll/ID).
 *
 * Options: data-color, data-title, data-lang (en | es | zh-Hant), data-target (id of the element
 * to fill; default: a new element after the script), data-redirect-uri (default: this page's
 * address without query or fragment; it must be registered exactly with the client).
 * Only sites registered with the registry receive answers (CORS).
 * Everything is built with textContent: nothing from the network is parsed as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(script.src, document.baseURI).origin;
  var opts = script.dataset;
  var sponsor = (opts.sponsor || "").trim();
  var clientId = (opts.clientId || "").trim();
  var redirectUri = opts.redirectUri || (window.location.origin + window.location.pathname);
  var SCOPES = "me enrollments:write";
  var PENDING = "registry-enroll:" + base;
  var lang = opts.lang || (document.documentElement.lang || "en");
  function quoted(open, close) {
    return function (s) { return open + s + close; };
  }
  var TEXT = {
    en: {title: "Upcoming trainings", filter: "Filter trainings", place: "Where",
         everywhere: "Everywhere", none: "No upcoming trainings.",
         error: "The trainings could not be loaded. Please try again later.",
         seats: function (n) { return n === 1 ? "1 seat left" : n + " seats left"; },
         full: "Full: join the waitlist", hours: "hours", online: "Online",
         enroll: "Enroll", opens: "(opens the registry)", signin: "(sign in at the registry)",
         working: "Enrolling you…", q: quoted("“", "”"),
         enrolled: function (s) { return "You are enrolled in " + s + "."; },
         waitlisted: function (s) { return s + " is full: you are on the waitlist."; },
         already: function (s) { return "You are already signed up for " + s + "."; },
         nowaitlist: function (s) { return s + " is full and has no waitlist."; },
         closed: function (s) { return "Enrollment for " + s + " is closed."; },
         denied: "You did not allow the registry to enroll you. Nothing was changed.",
         failed: "The enrollment could not be completed. Please try again."},
    es: {title: "Próximas capacitaciones", filter: "Filtrar capacitaciones", place: "Dónde",
         everywhere: "En todas partes",
         none: "No hay capacitaciones próximas.",
         error: "No se pudieron cargar las capacitaciones. Inténtelo más tarde.",
         seats: function (n) { return n === 1 ? "Queda 1 lugar" : "Quedan " + n + " lugares"; },
         full: "Lleno: lista de espera", hours: "horas", online: "En línea",
         enroll: "Inscribirse", opens: "(abre el registro)",
         signin: "(inicie sesión en el registro)", working: "Inscribiéndole…",
         q: quoted("«", "»"),
         enrolled: function (s) { return "Quedó inscrito en " + s + "."; },
         waitlisted: function (s) { return s + " está lleno: quedó en la lista de espera."; },
         already: function (s) { return "Ya está inscrito en " + s + "."; },
         nowaitlist: function (s) { return s + " está lleno y no tiene lista de espera."; },
         closed: function (s) { return "La inscripción para " + s + " está cerrada."; },
         denied: "No autorizó al registro a inscribirle. No se cambió nada.",
         failed: "No se pudo completar la inscripción. Inténtelo de nuevo."},
    "zh-Hant": {title: "即將舉行的培訓", filter: "篩選培訓", place: "地點", everywhere: "所有地點",
         none: "目前沒有即將舉行的培訓。",
         error: "無法載入培訓，請稍後再試。",
         seats: function (n) { return "尚餘 " + n + " 個名額"; },
         full: "已滿：加入候補名單", hours: "小時", online: "線上",
         enroll: "報名", opens: "（開啟登記系統）", signin: "（在登記系統登入）",
         working: "正在為您報名…", q: quoted("「", "」"),
         enrolled: function (s) { return "您已報名" + s + "。"; },
         waitlisted: function (s) { return s + "已額滿：您已列入候補名單。"; },
         already: function (s) { return "您已經報名了" + s + "。"; },
         nowaitlist: function (s) { return s + "已額滿，且沒有候補名單。"; },
         closed: function (s) { return s + "的報名已截止。"; },
         denied: "您沒有允許登記系統為您報名，未作任何更改。",
         failed: "無法完成報名，請再試一次。"}
  };
  var t = TEXT[lang] || TEXT[lang.split("-")[0]] || TEXT.en;
  var registryLang = TEXT[lang] ? lang : (TEXT[lang.split("-")[0]] ? lang.split("-")[0] : "en");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "/widget/registry-enroll.css";
  document.head.appendChild(css);

  var root = opts.target ? document.getElementById(opts.target) : null;
  if (!root) {
    root = el("div");
    script.parentNode.insertBefore(root, script.nextSibling);
  }
  root.classList.add("rew");
  if (opts.color && /^#[0-9a-fA-F]{3,8}$/.test(opts.color)) {
    root.style.setProperty("--rew-color", opts.color);
  }
  root.setAttribute("lang", lang);
  var uid = "rew-" + Math.random().toString(36).slice(2, 8);
  var section = el("section");
  section.setAttribute("aria-labelledby", uid + "-h");
  var heading = el("h2", "rew-title", opts.title || t.title);
  heading.id = uid + "-h";
  var notice = el("p", "rew-notice");
  notice.setAttribute("role", "status");
  notice.hidden = true;
  var label = el("label", "rew-label", t.filter);
  label.htmlFor = uid + "-q";
  var input = el("input", "rew-filter");
  input.type = "search";
  input.id = uid + "-q";
  var placeLabel = el("label", "rew-label", t.place);
  placeLabel.htmlFor = uid + "-p";
  var place = el("select", "rew-place");
  place.id = uid + "-p";
  var status = el("p", "rew-status");
  status.setAttribute("role", "status");
  var list = el("ul", "rew-list");
  [heading, notice, label, input, placeLabel, place, status, list].forEach(function (node) {
    section.appendChild(node);
  });
  root.appendChild(section);

  var items = [];
  var timeZone = null;  // the registry's, from the calendar: a training's time is where it is

  function when(iso) {
    var options = {weekday: "short", month: "short", day: "numeric", hour: "numeric",
      minute: "2-digit"};
    if (timeZone) { options.timeZone = timeZone; options.timeZoneName = "short"; }
    try {
      return new Date(iso).toLocaleString(lang, options);
    } catch (e) { return iso; }
  }

  function say(text, result) {
    notice.textContent = text;
    notice.hidden = !text;
    notice.setAttribute("data-result", result || "");
  }

  // --- OAuth 2.0 authorization code with PKCE (RFC 7636, S256) ---------------------------
  function b64url(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function randomString(size) {
    var bytes = new Uint8Array(size);
    window.crypto.getRandomValues(bytes);
    return b64url(bytes);
  }

  function startEnrollment(item, button) {
    if (!window.crypto || !window.crypto.subtle) {  // only on https (or a loopback address)
      say(t.failed, "error");
      return;
    }
    button.disabled = true;
    var verifier = randomString(32);
    var state = randomString(16);
    window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))
      .then(function (hash) {
        sessionStorage.setItem(PENDING, JSON.stringify({
          state: state, verifier: verifier, event_id: item.event_id, title: item.title,
          redirect_uri: redirectUri}));
        var query = new URLSearchParams({
          response_type: "code", client_id: clientId, redirect_uri: redirectUri,
          scope: SCOPES, state: state, code_challenge: b64url(new Uint8Array(hash)),
          code_challenge_method: "S256", lang: registryLang});
        window.location.assign(base + "/oauth/authorize?" + query.toString());
      })
      .catch(function () { button.disabled = false; say(t.failed, "error"); });
  }

  function form(path, fields) {
    return fetch(base + path, {method: "POST", credentials: "omit",
      body: new URLSearchParams(fields)});
  }

  function api(method, path, token, body) {
    var headers = {"Accept": "application/json", "Authorization": "Bearer " + token};
    if (body) { headers["Content-Type"] = "application/json"; }
    return fetch(base + path, {method: method, credentials: "omit", headers: headers,
      body: body ? JSON.stringify(body) : undefined});
  }

  function outcome(saved, response) {
    var name = t.q(saved.title || "");
    return response.json().catch(function () { return {}; }).then(function (data) {
      if (response.status === 201 && data.status === "waitlisted") {
        say(t.waitlisted(name), "waitlisted");
      } else if (response.status === 201) {
        say(t.enrolled(name), "enrolled");
      } else if (response.status === 409 && data.reason === "already_enrolled") {
        say(t.already(name), "already_enrolled");
      } else if (response.status === 409 && data.reason === "full") {
        say(t.nowaitlist(name), "full");
      } else if (response.status === 409) {
        say(t.closed(name), "closed");
      } else {
        say(t.failed, "error");
      }
    });
  }

  function finishEnrollment(code, saved) {
    say(t.working, "working");
    var token = null;
    return form("/oauth/token", {grant_type: "authorization_code", code: code,
      redirect_uri: saved.redirect_uri, client_id: clientId, code_verifier: saved.verifier})
      .then(function (r) { if (!r.ok) { throw new Error("token " + r.status); } return r.json(); })
      .then(function (data) {
        token = data.access_token;
        return api("GET", "/api/v1/me", token);
      })
      .then(function (r) { if (!r.ok) { throw new Error("me " + r.status); } return r.json(); })
      .then(function (me) {
        return api("POST", "/api/v1/events/" + encodeURIComponent(saved.event_id) +
          "/enrollments", token, {registry_id: me.registry_id});
      })
      .then(function (r) { return outcome(saved, r); })
      .catch(function () { say(t.failed, "error"); })
      .then(function () {
        // the widget needs the access no longer: revoke it (and its refresh token) at once
        if (token) {
          return form("/oauth/revoke", {token: token, token_type_hint: "access_token",
            client_id: clientId}).catch(function () { return null; });
        }
        return null;
      });
  }

  function returningFromRegistry() {
    var params = new URLSearchParams(window.location.search);
    var state = params.get("state");
    if (!state || !(params.has("code") || params.has("error"))) { return null; }
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(PENDING) || "null"); } catch (e) { saved = null; }
    if (!saved || saved.state !== state) { return null; }  // not ours (or replayed): ignore
    sessionStorage.removeItem(PENDING);
    var code = params.get("code");
    var error = params.get("error");
    ["code", "state", "error", "error_description", "error_uri", "iss"].forEach(function (k) {
      params.delete(k);
    });
    var rest = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") +
      window.location.hash);
    if (error || !code) {
      say(error === "access_denied" ? t.denied : t.failed, error === "access_denied" ?
        "denied" : "error");
      return Promise.resolve();
    }
    return finishEnrollment(code, saved);
  }

  function render() {
    var q = input.value.trim().toLowerCase();
    var where = place.value;
    list.textContent = "";
    var shown = items.filter(function (it) {
      return (!where || (it.county || t.online) === where) &&
        (!q || (it.title + " " + (it.county || "")).toLowerCase().indexOf(q) !== -1);
    });
    shown.forEach(function (it) {
      var li = el("li", "rew-item");
      li.setAttribute("data-event-id", String(it.event_id));
      li.appendChild(el("h3", "rew-item-title", it.title));
      li.appendChild(el("p", "rew-when", when(it.starts_at)));
      li.appendChild(el("p", "rew-meta", [it.county || t.online, it.hours + " " + t.hours]
        .join(" · ")));
      li.appendChild(el("p", "rew-seats", it.seats_left > 0 ? t.seats(it.seats_left) : t.full));
      var action;
      if (clientId) {
        action = el("button", "rew-enroll", t.enroll + " ");
        action.type = "button";
        action.appendChild(el("span", "rew-visually-hidden", t.signin));
        action.addEventListener("click", function () { startEnrollment(it, action); });
      } else {
        action = el("a", "rew-enroll", t.enroll + " ");
        action.href = base + "/widget/enroll/" + encodeURIComponent(it.event_id);
        action.target = "_blank";
        action.rel = "noopener";
        action.appendChild(el("span", "rew-visually-hidden", t.opens));
      }
      li.appendChild(action);
      list.appendChild(li);
    });
    status.textContent = shown.length ? "" : t.none;
  }

  function fillPlaces() {
    var seen = {};
    var chosen = place.value;
    place.textContent = "";
    var all = el("option", null, t.everywhere);
    all.value = "";
    place.appendChild(all);
    items.forEach(function (it) {
      var name = it.county || t.online;
      if (!seen[name]) {
        seen[name] = true;
        var option = el("option", null, name);
        option.value = name;
        place.appendChild(option);
      }
    });
    if (seen[chosen]) { place.value = chosen; }
  }

  function load() {
    var url = base + "/api/v1/calendar?sponsor=" + encodeURIComponent(sponsor) + "&per_page=50";
    return fetch(url, {credentials: "omit", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) { items = data.items || []; timeZone = data.time_zone || null;
        fillPlaces();
        root.setAttribute("data-state", "ready"); render(); })
      .catch(function () { root.setAttribute("data-state", "error"); status.textContent = t.error; });
  }

  input.addEventListener("input", render);
  place.addEventListener("change", render);
  if (!sponsor) { status.textContent = t.error; root.setAttribute("data-state", "error"); return; }
  var returning = clientId ? returningFromRegistry() : null;
  if (returning) {
    // list the trainings once the enrollment is done, so seats left include it
    returning.then(load);
  } else {
    load();
  }
})();
