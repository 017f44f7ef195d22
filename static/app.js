// Every page: when a link or form cannot reach the server (no connection), say so, instead
// of the page silently staying as it was; the next request that gets through hides it again.
(function () {
  var d = document;
  function show(on) { var n = d.getElementById("no-connection"); if (n) n.hidden = !on; }
  d.addEventListener("htmx:sendError", function () { show(true); });
  d.addEventListener("htmx:afterRequest", function (e) { if (e.detail.xhr.status) show(false); });
})();
