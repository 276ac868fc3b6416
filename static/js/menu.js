/* The site menu (templates/_menu.html): on a wide screen it stands open and each group drops
   down, one at a time; on a phone it folds into the Menu button with every group open inside.
   No framework: a few lines over <details>, which works without this script too. */
(function () {
  "use strict";
  var menu = document.getElementById("menu");
  if (!menu) return;
  var wide = window.matchMedia("(min-width: 60rem)");
  var groups = Array.prototype.slice.call(menu.querySelectorAll("details.menu-group"));

  function closeGroups(except) {
    groups.forEach(function (group) { if (group !== except) group.open = false; });
  }

  function fit() {
    menu.open = wide.matches;
    groups.forEach(function (group) { group.open = !wide.matches; });
  }

  fit();
  wide.addEventListener("change", fit);
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (wide.matches && group.open) closeGroups(group);
    });
  });
  document.addEventListener("click", function (event) {
    if (wide.matches && !menu.contains(event.target)) closeGroups(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && wide.matches) closeGroups(null);
  });
})();
