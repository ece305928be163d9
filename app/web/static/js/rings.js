/* Rings table: whole rows are links; filter selects apply on change. */
(function () {
  "use strict";
  document.querySelectorAll("tr.clickable").forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a")) return;
      window.location.href = row.dataset.href;
    });
  });
  var form = document.getElementById("ring-filters");
  if (form) {
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { form.submit(); });
    });
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (el) {
        if (!el.value) el.disabled = true;  /* keep the URL clean */
      });
    });
  }
})();
