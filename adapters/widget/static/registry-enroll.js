/* Open ECE Workforce Registry: embeddable enrollment widget.
 *
 *   <script src="https://REGISTRY/widget/registry-enroll.js" data-sponsor="SLUG" defer></script>
 *
 * Lists the sponsor's upcoming published trainings from the public calendar API
 * (GET /api/v1/calendar?sponsor=SLUG) and links each to the registry (/widget/enroll/ID), which
 * has the visitor sign in (or create a profile) and brings them to the event to enroll. Options: data-color, data-title, data-lang
 * (en | es | zh-Hant), data-target (id of the element to fill; default: a new element after the
 * script). Only sites registered with the registry receive the calendar (CORS).
 * Everything is built with textContent: nothing from the network is parsed as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(script.src, document.baseURI).origin;
  var opts = script.dataset;
  var sponsor = (opts.sponsor || "").trim();
  var lang = opts.lang || (document.documentElement.lang || "en");
  var TEXT = {
    en: {title: "Upcoming trainings", filter: "Filter trainings", place: "Where",
         everywhere: "Everywhere", none: "No upcoming trainings.",
         error: "The trainings could not be loaded. Please try again later.",
         seats: function (n) { return n === 1 ? "1 seat left" : n + " seats left"; },
         full: "Full: join the waitlist", hours: "hours", online: "Online",
         enroll: "Enroll", opens: "(opens the registry)"},
    es: {title: "Próximas capacitaciones", filter: "Filtrar capacitaciones", place: "Dónde",
         everywhere: "En todas partes",
         none: "No hay capacitaciones próximas.",
         error: "No se pudieron cargar las capacitaciones. Inténtelo más tarde.",
         seats: function (n) { return n === 1 ? "Queda 1 lugar" : "Quedan " + n + " lugares"; },
         full: "Lleno: lista de espera", hours: "horas", online: "En línea",
         enroll: "Inscribirse", opens: "(abre el registro)"},
    "zh-Hant": {title: "即將舉行的培訓", filter: "篩選培訓", place: "地點", everywhere: "所有地點", none: "目前沒有即將舉行的培訓。",
         error: "無法載入培訓，請稍後再試。",
         seats: function (n) { return "尚餘 " + n + " 個名額"; },
         full: "已滿：加入候補名單", hours: "小時", online: "線上",
         enroll: "報名", opens: "（開啟登記系統）"}
  };
  var t = TEXT[lang] || TEXT[lang.split("-")[0]] || TEXT.en;

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
  section.appendChild(heading);
  section.appendChild(label);
  section.appendChild(input);
  section.appendChild(placeLabel);
  section.appendChild(place);
  section.appendChild(status);
  section.appendChild(list);
  root.appendChild(section);

  var items = [];

  function when(iso) {
    try {
      return new Date(iso).toLocaleString(lang, {weekday: "short", month: "short",
        day: "numeric", hour: "numeric", minute: "2-digit"});
    } catch (e) { return iso; }
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
      var link = el("a", "rew-enroll", t.enroll + " ");
      link.href = base + "/widget/enroll/" + encodeURIComponent(it.event_id);
      link.target = "_blank";
      link.rel = "noopener";
      var hint = el("span", "rew-visually-hidden", t.opens);
      link.appendChild(hint);
      li.appendChild(link);
      list.appendChild(li);
    });
    status.textContent = shown.length ? "" : t.none;
  }

  function fillPlaces() {
    var seen = {};
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
  }

  input.addEventListener("input", render);
  place.addEventListener("change", render);
  if (!sponsor) { status.textContent = t.error; return; }
  var url = base + "/api/v1/calendar?sponsor=" + encodeURIComponent(sponsor) + "&per_page=50";
  fetch(url, {credentials: "omit", headers: {"Accept": "application/json"}})
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (data) { items = data.items || []; fillPlaces();
      root.setAttribute("data-state", "ready"); render(); })
    .catch(function () { root.setAttribute("data-state", "error"); status.textContent = t.error; });
})();
