// Exam page: a countdown from the seconds the server sent, and answers kept on this device
// (localStorage) while saves fail, sent again when the connection returns.
(function () {
  var root = document.getElementById("exam"), t = document.getElementById("timer");
  if (!root || !t) return;
  var key = "exam-" + root.dataset.attempt, left = +t.dataset.remaining || 0, over = 0;
  var out = t.querySelector("strong"), last = {}, pend = {};
  try { pend = JSON.parse(localStorage.getItem(key)) || {}; } catch (e) { pend = {}; }
  function keep() { try { localStorage.setItem(key, JSON.stringify(pend)); } catch (e) {} }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function show() {
    out.textContent = Math.floor(left / 3600) + ":" + two(Math.floor(left % 3600 / 60)) + ":" + two(left % 60);
    if (!left && !over) {
      over = 1; out.textContent += " · " + root.dataset.msgOver;
      setTimeout(function () { location.reload(); }, 20000);
    }
  }
  setInterval(function () { if (left > 0) left--; show(); }, 1000);
  function form(pos) { return document.getElementById("q-" + pos); }
  document.addEventListener("htmx:configRequest", function (e) {
    var f = e.detail.elt, pos = f.dataset && f.dataset.pos, p = e.detail.parameters;
    if (!pos) return;
    var s = Math.max(+p.get("seq") || 0, (last[pos] || 0) + 1);
    last[pos] = s; p.set("seq", s);
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var f = e.detail.elt, pos = f.dataset && f.dataset.pos, x = e.detail.xhr;
    if (!pos) return;
    if (x && x.status >= 200 && x.status < 500) {
      delete pend[pos]; keep();
      var st = document.getElementById("save-" + pos), nav = document.getElementById("nav-" + pos);
      if (st) {
        left = +st.dataset.remaining || 0; show();
        if (nav) nav.querySelector("i").textContent = (st.dataset.answered === "1" ? "\u2713" : "\u25cb") + (st.dataset.flagged === "1" ? "\u2691" : "");
      }
    } else {
      var fd = new FormData(f);
      pend[pos] = { a: fd.getAll("answer"), f: fd.get("flag") ? 1 : 0 }; keep();
      var m = f.querySelector(".msg");
      if (m) { m.textContent = root.dataset.msgOffline; m.className = "msg error"; }
    }
  });
  function resend() {
    Object.keys(pend).forEach(function (pos) {
      var f = form(pos), v = pend[pos];
      if (!f) return;
      f.querySelectorAll("[name=answer]").forEach(function (i) {
        if (i.type === "radio" || i.type === "checkbox") i.checked = v.a.indexOf(i.value) >= 0;
        else i.value = v.a[0] || "";
      });
      var fl = f.querySelector("[name=flag]");
      if (fl) fl.checked = !!v.f;
      htmx.trigger(f, "change");
    });
  }
  window.addEventListener("online", resend);
  setInterval(function () { if (navigator.onLine && Object.keys(pend).length) resend(); }, 15000);
  if (Object.keys(pend).length) setTimeout(resend, 500);
})();
