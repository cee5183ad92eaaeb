(function () {
  "use strict";
  // Tell the reader the analysis is running (it can take a while) and stop double submits.
  var form = document.getElementById("analyze-form");
  var button = document.getElementById("submit");
  var status = document.getElementById("status");
  if (!form || !button || !status) { return; }
  form.addEventListener("submit", function () {
    status.textContent = "Analysing… this can take up to a minute.";
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
  window.addEventListener("pageshow", function () {
    button.disabled = false;
    status.textContent = "";
  });
})();
