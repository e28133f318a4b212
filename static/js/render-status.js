// The PDF progress page: ask every few seconds whether the worker has finished,
// then reload once so the page shows the download (or what went wrong).
(function () {
  "use strict";
  var box = document.getElementById("render-status");
  if (!box || box.dataset.renderStatus !== "queued") {
    return;
  }
  var url = box.dataset.stateUrl;
  var tries = 0;
  function check() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && state.status !== "queued") {
          window.location.reload();
        } else if (tries < 200) {
          window.setTimeout(check, 2000);
        }
      })
      .catch(function () {
        if (tries < 200) {
          window.setTimeout(check, 5000);
        }
      });
  }
  window.setTimeout(check, 1500);
})();
