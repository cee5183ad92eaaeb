(function () {
  "use strict";
  // Details of the technique spans under a highlight, copied from the evidence list (never
  // built from strings, so article text stays text). Hover or focus shows them; a click, tap,
  // Enter or Space pins them; Escape or a click elsewhere closes them.
  var tip = document.getElementById("tip");
  if (!tip) { return; }
  var current = null;
  var pinned = false;
  var narrow = window.matchMedia("(max-width: 40rem)");

  function markOf(node) {
    return node && node.closest ? node.closest("mark.hl") : null;
  }

  function fill(mark) {
    tip.replaceChildren();
    (mark.getAttribute("data-t") || "").split(" ").forEach(function (id) {
      var entry = id ? document.getElementById(id) : null;
      var detail = entry ? entry.querySelector(".detail") : null;
      if (detail) { tip.appendChild(detail.cloneNode(true)); }
    });
  }

  function place(mark) {
    if (narrow.matches) { tip.style.left = ""; tip.style.top = ""; return; }
    var box = mark.getBoundingClientRect();
    var room = document.documentElement.clientWidth;
    var left = Math.max(8, Math.min(box.left, room - tip.offsetWidth - 8));
    tip.style.left = (left + window.scrollX) + "px";
    tip.style.top = (box.bottom + window.scrollY + 6) + "px";
  }

  function show(mark, pin) {
    if (current && current !== mark) { release(current); }
    current = mark;
    pinned = pin;
    fill(mark);
    tip.hidden = false;
    place(mark);
    mark.classList.add("active");
    mark.setAttribute("aria-describedby", "tip");
  }

  function release(mark) {
    mark.classList.remove("active");
    mark.removeAttribute("aria-describedby");
  }

  function hide() {
    tip.hidden = true;
    if (current) { release(current); }
    current = null;
    pinned = false;
  }

  document.addEventListener("mouseover", function (event) {
    var mark = markOf(event.target);
    if (mark && !pinned) { show(mark, false); }
  });
  document.addEventListener("mouseout", function (event) {
    var mark = markOf(event.target);
    if (mark && !pinned && mark === current && !mark.contains(event.relatedTarget)) { hide(); }
  });
  document.addEventListener("focusin", function (event) {
    var mark = markOf(event.target);
    if (mark) { show(mark, false); } else if (!pinned) { hide(); }
  });
  document.addEventListener("click", function (event) {
    var mark = markOf(event.target);
    if (mark) {
      if (pinned && current === mark) { hide(); } else { show(mark, true); }
    } else if (!tip.contains(event.target)) {
      hide();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { hide(); return; }
    var mark = markOf(event.target);
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      if (pinned && current === mark) { hide(); } else { show(mark, true); }
    }
  });
  window.addEventListener("resize", function () { if (current) { place(current); } });
})();
