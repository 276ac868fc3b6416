/* Walking a plot's boundary with the phone's GPS (templates/eudr/plot_walk.html).
   The page watches the position (high accuracy) and shows the latest fix's accuracy; each
   press of "Record corner" keeps that fix with its accuracy. The corners are listed, drawn
   as an outline, and written into the form's hidden fields as a GeoJSON polygon (7 decimals)
   and a list of accuracies. The server checks both. */
(function () {
  "use strict";

  var form = document.getElementById("walk");
  if (!form) return;
  var needsJs = document.getElementById("walk-needs-js");
  var status = document.getElementById("walk-accuracy");
  var list = document.getElementById("corners");
  var outline = document.getElementById("walk-outline");
  var geometryField = document.getElementById("f-geometry");
  var accuracyField = document.getElementById("f-accuracies");
  var maxAccuracy = parseFloat(form.dataset.maxAccuracy);
  var corners = [];
  var latest = null;

  if (!("geolocation" in navigator)) return; // the note about JavaScript and location stays

  function say(text) { status.textContent = text; }
  function metres(value) { return (Math.round(value * 10) / 10).toString(); }

  function denied() {
    say(form.dataset.msgDenied);
    status.classList.add("badge-missing");
  }

  // A getCurrentPosition() beside a running watch can wait until its timeout (Chromium), so a
  // press takes the watch's latest fix: the walker waits at the corner until it is good enough.
  function showAccuracy(position) {
    latest = position.coords;
    status.dataset.fix = latest.latitude.toFixed(7) + "," + latest.longitude.toFixed(7);
    status.classList.remove("badge-missing");
    say(form.dataset.msgAccuracy.replace("{m}", metres(position.coords.accuracy)));
  }

  function restore() {
    try {
      var ring = JSON.parse(geometryField.value).coordinates[0];
      var accuracies = accuracyField.value.split(",").map(parseFloat);
      for (var i = 0; i < ring.length - 1 && i < accuracies.length; i++) {
        corners.push({ lon: ring[i][0], lat: ring[i][1], accuracy: accuracies[i] });
      }
    } catch (error) {
      corners = [];
    }
  }

  function write() {
    if (corners.length < 3) {
      geometryField.value = "";
    } else {
      var ring = corners.concat([corners[0]]).map(function (c) {
        return "[" + c.lon.toFixed(7) + "," + c.lat.toFixed(7) + "]";
      });
      geometryField.value = '{"type":"Polygon","coordinates":[[' + ring.join(",") + "]]}";
    }
    accuracyField.value = corners.map(function (c) { return metres(c.accuracy); }).join(",");
  }

  function draw() {
    var polygon = outline.querySelector("polygon");
    outline.querySelectorAll("circle").forEach(function (dot) { dot.remove(); });
    if (!corners.length) { polygon.setAttribute("points", ""); return; }
    var lats = corners.map(function (c) { return c.lat; });
    var lons = corners.map(function (c) { return c.lon; });
    var shrink = Math.cos((Math.min.apply(null, lats) + Math.max.apply(null, lats)) / 2 * Math.PI / 180);
    var west = Math.min.apply(null, lons), north = Math.max.apply(null, lats);
    var span = Math.max((Math.max.apply(null, lons) - west) * shrink, north - Math.min.apply(null, lats), 1e-9);
    var points = corners.map(function (c) {
      return [10 + (c.lon - west) * shrink / span * 180, 10 + (north - c.lat) / span * 180];
    });
    polygon.setAttribute("points", points.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "));
    points.forEach(function (p, i) {
      var dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
      dot.setAttribute("cx", p[0].toFixed(1));
      dot.setAttribute("cy", p[1].toFixed(1));
      dot.setAttribute("r", "4");
      dot.setAttribute("fill", corners[i].accuracy > maxAccuracy ? "#b3261e" : "#2f6b2a");
      outline.appendChild(dot);
    });
  }

  function render() {
    list.textContent = "";
    corners.forEach(function (c, i) {
      var item = document.createElement("li");
      item.textContent = form.dataset.msgCorner.replace("{n}", i + 1) + ": " +
        c.lat.toFixed(7) + ", " + c.lon.toFixed(7) + " ± " + metres(c.accuracy) + " m";
      if (c.accuracy > maxAccuracy) {
        item.className = "corner-refused";
        item.textContent += " — " + form.dataset.msgTooCoarse;
      }
      list.appendChild(item);
    });
    write();
    draw();
  }

  document.getElementById("record-corner").addEventListener("click", function () {
    if (!latest) {
      say(form.dataset.msgWaiting);
      return;
    }
    corners.push({ lon: latest.longitude, lat: latest.latitude, accuracy: latest.accuracy });
    render();
  });

  document.getElementById("undo-corner").addEventListener("click", function () {
    corners.pop();
    render();
  });

  form.addEventListener("submit", function (event) {
    if (corners.length < 3) {
      event.preventDefault();
      say(form.dataset.msgNeed);
    }
  });

  needsJs.hidden = true;
  form.hidden = false;
  restore();
  render();
  navigator.geolocation.watchPosition(showAccuracy, denied, { enableHighAccuracy: true, maximumAge: 0 });
})();
