// Exam page: a countdown from the seconds the server sent, and answers kept on this device
// (localStorage) while they cannot be saved, sent again when the connection returns.
(function () {
  var d = document, root = d.getElementById("exam"), t = d.getElementById("timer");
  if (!root || !t) return;
  var key = "exam-" + root.dataset.attempt, left = +t.dataset.remaining || 0, over = 0;
  var out = t.querySelector("strong"), note = d.getElementById("unsent"), last = {}, pend;
  try { pend = JSON.parse(localStorage.getItem(key)) || {}; } catch (e) { pend = {}; }
  function off() { return !navigator.onLine; }
  function waiting() { return Object.keys(pend).length > 0; }
  function keep() {
    try { localStorage.setItem(key, JSON.stringify(pend)); } catch (e) {}
    note.hidden = !off() && !waiting();
    d.querySelectorAll("[id^=nav-]").forEach(function (n) { n.classList.toggle("warn", !!pend[n.id.slice(4)]); });
  }
  function two(n) { return (n < 10 ? ":0" : ":") + n; }
  function show() {
    out.textContent = Math.floor(left / 3600) + two(Math.floor(left % 3600 / 60)) + two(left % 60);
    if (!left && !over) {
      over = 1; out.textContent += " · " + root.dataset.msgOver;
      setTimeout(function () { location.reload(); }, 20000);
    }
  }
  setInterval(function () { if (left > 0) left--; show(); }, 1000);
  function hold(f, why) { // keep the answer here, and say so beside the question
    var fd = new FormData(f), m = f.querySelector(".msg");
    pend[f.dataset.pos] = { a: fd.getAll("answer"), f: fd.get("flag") ? 1 : 0 }; keep();
    if (m) { m.textContent = why || root.dataset.msgOffline; m.className = "msg error"; }
  }
  function on(name, fn) { d.addEventListener(name, fn); }
  // A save is over when the server kept it (2xx) or refused it for good (409: too late, or
  // submitted). Anything else (no answer, 5xx, a login that expired: 401) keeps it here.
  function done(x) { return x >= 200 && x < 300 || x === 409; }
  on("htmx:configRequest", function (e) {
    var pos = e.detail.elt.dataset.pos, p = e.detail.parameters;
    if (pos) { last[pos] = Math.max(+p.get("seq") || 0, (last[pos] || 0) + 1); p.set("seq", last[pos]); }
  });
  // Offline a save waits here (also "Save & next", a plain POST), and while answers wait
  // nothing is submitted; a server error is not swapped in place of the save status.
  on("submit", function (e) {
    if (e.target.dataset.pos && off()) { e.preventDefault(); hold(e.target); }
  });
  on("htmx:beforeRequest", function (e) {
    var f = e.detail.elt, pos = f.dataset.pos;
    if (pos ? !off() : f.id !== "finish" || !off() && !waiting()) return;
    e.preventDefault();
    if (pos) hold(f); else { keep(); note.scrollIntoView({ block: "center" }); resend(); }
  });
  on("htmx:beforeSwap", function (e) {
    if (e.detail.requestConfig.elt.dataset.pos && !done(e.detail.xhr.status)) e.detail.shouldSwap = false;
  });
  on("htmx:afterRequest", function (e) {
    var pos = e.detail.elt.dataset.pos, x = e.detail.xhr.status, st = d.getElementById("save-" + pos);
    if (!pos) return;
    if (!done(x)) return hold(e.detail.elt, x >= 400 && x < 500 && root.dataset.msgExpired);
    delete pend[pos]; keep();
    if (!st) return;
    st = st.dataset; left = +st.remaining || 0; show();
    d.querySelector("#nav-" + pos + " i").textContent = (st.answered === "1" ? "\u2713" : "\u25cb") + (st.flagged === "1" ? "\u2691" : "");
  });
  function resend() {
    Object.keys(pend).forEach(function (pos) {
      var f = d.getElementById("q-" + pos), v = pend[pos];
      if (!f) return; // on another page (one question a page): sent when that page opens
      f.querySelectorAll("[name=answer]").forEach(function (i) {
        if (i.type === "radio" || i.type === "checkbox") i.checked = v.a.indexOf(i.value) >= 0;
        else i.value = v.a[0] || "";
      });
      f.querySelector("[name=flag]").checked = !!v.f;
      htmx.trigger(f, "change");
    });
  }
  addEventListener("online", resend);
  addEventListener("offline", keep);
  setInterval(function () { if (!off() && waiting()) resend(); }, 15000);
  keep();
  if (waiting()) setTimeout(resend, 500);
})();
