// cnpolicy: the little the pages need beyond HTML. No libraries, no requests.
(function () {
  "use strict";
  var text = document.getElementById("text");
  if (!text) return;

  function marksOf(id) {
    return text.querySelectorAll('mark[data-f~="' + id + '"]');
  }

  function activate(id, scroll) {
    document.querySelectorAll("mark.active").forEach(function (m) { m.classList.remove("active"); });
    document.querySelectorAll(".fact-list li.active").forEach(function (li) { li.classList.remove("active"); });
    var marks = marksOf(id);
    marks.forEach(function (m) { m.classList.add("active"); });
    var link = document.querySelector('.fact-list a[data-jump="' + id + '"]');
    if (link) {
      link.parentElement.classList.add("active");
      link.scrollIntoView({ block: "nearest" });
    }
    if (scroll && marks.length) marks[0].scrollIntoView({ block: "center" });
    return marks.length > 0;
  }

  document.querySelectorAll(".fact-list a[data-jump]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var id = a.getAttribute("data-jump");
      history.replaceState(null, "", "#" + id);
      activate(id, true);
    });
  });

  text.addEventListener("click", function (ev) {
    var m = ev.target.closest("mark.fact");
    if (!m) return;
    var ids = (m.getAttribute("data-f") || "").split(" ");
    if (ids[0]) activate(ids[ids.length - 1], false);
  });

  document.querySelectorAll(".kinds input[data-kind]").forEach(function (box) {
    box.addEventListener("change", function () {
      var kind = box.getAttribute("data-kind");
      document.querySelectorAll('.fact-list li[data-kind="' + kind + '"]').forEach(function (li) {
        li.classList.toggle("hidden", !box.checked);
      });
      text.querySelectorAll("mark.k-" + kind).forEach(function (m) { m.classList.toggle("hidden-kind", !box.checked); });
    });
  });

  var hash = location.hash.slice(1);
  if (hash === "cited") {
    var c = text.querySelector("mark.cited");
    if (c) {
      c.scrollIntoView({ block: "center" });
      var ids = (c.getAttribute("data-f") || "").split(" ").filter(Boolean);
      if (ids.length) activate(ids[ids.length - 1], false);  // the fact the citation quotes, in the side list
      c.scrollIntoView({ block: "center" });
    }
  } else if (hash && /^[tprd]-/.test(hash)) {
    activate(hash, true);
  }
})();
