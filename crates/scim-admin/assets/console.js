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
