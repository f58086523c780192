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
  // After a facet value or a chip is chosen the new page puts the focus on the results heading
  // (not on <body>), so keyboard and screen-reader users carry on where the results are.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest(".facet a.fv, .chips a, svg.years a, .count-toggle a");
    if (link) { try { sessionStorage.setItem("searcher-focus", "results"); } catch (err) { /* storage off */ } }
  });
  try {
    if (sessionStorage.getItem("searcher-focus") === "results") {
      sessionStorage.removeItem("searcher-focus");
      var heading = document.getElementById("result-count");
      if (heading) heading.focus({ preventScroll: false });
    }
  } catch (err) { /* storage off: focus stays where the browser puts it */ }
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
  // The 搭配词 panel of the search page: the ten strongest collocates, fetched once the results
  // are shown (the search never waits for them); without script the panel is a link.
  var panel = document.getElementById("colloc");
  if (panel && panel.dataset.src && window.fetch) {
    fetch(panel.dataset.src, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        var list = panel.querySelector(".colloc-words");
        if (!data || !list) return;
        if (!data.collocates.length) {
          var none = document.createElement("li");
          none.className = "none";
          none.textContent = "没有明显的搭配词";
          list.appendChild(none);
        }
        data.collocates.forEach(function (c) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          var query = new URLSearchParams({ q: panel.dataset.q + " " + c.word }).toString();
          a.href = panel.dataset.search + "?" + query + (panel.dataset.filters ? "&" + panel.dataset.filters : "");
          a.textContent = c.word; // text, never markup: words come from the documents
          a.title = "共现 " + c.observed + " 次（期望 " + c.expected + "），LL " + c.log_likelihood;
          var n = document.createElement("span");
          n.className = "n";
          n.textContent = String(c.observed);
          li.appendChild(a);
          li.appendChild(n);
          list.appendChild(li);
        });
        list.hidden = false;
        panel.classList.add("loaded");
      })
      .catch(function () { /* the link to the full page stays */ });
  }
  // 复制引用: the citation box is there without script (select and copy by hand); the button
  // copies it in one click, and says so.
  Array.prototype.forEach.call(document.querySelectorAll("button.cite-copy"), function (button) {
    var box = document.getElementById(button.dataset.target);
    if (!box) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        button.focus(); // select() moved the focus into the box; the button says it is done
        button.textContent = "已复制";
        setTimeout(function () { button.textContent = "复制引用"; }, 2000);
      };
      box.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(box.value).then(done, function () { if (document.execCommand("copy")) done(); });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });
  // Arriving at a paragraph (#p12): bring it to the middle of the screen, not under the top edge.
  var target = location.hash && /^#p\d+$/.test(location.hash) && document.getElementById(location.hash.slice(1));
  if (target && target.scrollIntoView) {
    window.addEventListener("load", function () { target.scrollIntoView({ block: "center" }); });
  }
})();
