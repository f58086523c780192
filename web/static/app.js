// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // "/" jumps to the search box, as on many search sites.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    var box = document.getElementById("q");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  });
  // Leave empty fields out of the URL, so a search stays short to bookmark and share.
  var form = document.querySelector("form.search");
  if (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && !el.value.trim()) el.disabled = true;
      });
    });
    // Re-enable them when the page comes back from the history cache.
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
    });
  }
  // Arriving at a paragraph (#p12): bring it to the middle of the screen, not under the top edge.
  var target = location.hash && /^#p\d+$/.test(location.hash) && document.getElementById(location.hash.slice(1));
  if (target && target.scrollIntoView) {
    window.addEventListener("load", function () { target.scrollIntoView({ block: "center" }); });
  }
})();
