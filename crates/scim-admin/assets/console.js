// scimd admin console: the only script. Copy buttons copy the text of the
// element named by data-copy; forms with data-confirm ask first.
"use strict";
document.addEventListener("click", function (ev) {
  var button = ev.target.closest("button[data-copy]");
  if (!button) { return; }
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source) { return; }
  var text = source.textContent.trim();
  var done = function () {
    button.textContent = "Copied";
    var status = document.getElementById(button.getAttribute("data-copy") + "-status");
    if (status) { status.textContent = "Copied to the clipboard."; }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { select(source); });
  } else {
    select(source);
    try { document.execCommand("copy"); done(); } catch (e) { /* selected for manual copy */ }
  }
});
function select(el) {
  var range = document.createRange();
  range.selectNodeContents(el);
  var sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}
document.addEventListener("submit", function (ev) {
  var msg = ev.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { ev.preventDefault(); }
});
// The provisioning log's live tail: the server sends each new row as the
// same escaped HTML the page shows it in (server-sent events).
(function () {
  var rows = document.querySelector("tbody[data-stream]");
  if (!rows || !window.EventSource) { return; }
  var live = document.getElementById("live");
  var source = new EventSource(rows.getAttribute("data-stream"));
  source.onopen = function () { if (live) { live.textContent = "live tail: on"; } };
  source.onerror = function () { if (live) { live.textContent = "live tail: reconnecting…"; } };
  source.onmessage = function (ev) {
    var t = document.createElement("template");
    t.innerHTML = ev.data.trim();
    var row = t.content.firstElementChild;
    if (!row || rows.querySelector('tr[data-seq="' + row.getAttribute("data-seq") + '"]')) { return; }
    rows.insertBefore(row, rows.firstElementChild);
    var empty = document.getElementById("log-empty");
    if (empty) { empty.remove(); }
  };
})();
