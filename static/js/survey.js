// The staff journey's small enhancements. Everything works without them.
(function () {
  "use strict";

  // Move focus to the error summary so screen-reader and keyboard users hear it first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // "Print or save as PDF": shown only when the browser can do it.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  // One submission per click: a second click while the page is sending does nothing.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) {
        event.preventDefault();
        return;
      }
      sending = true;
      window.setTimeout(function () { sending = false; }, 8000);
    });
  });

  // Switching language on a survey page saves this page's answers first.
  var surveyForm = document.getElementById("survey-form");
  if (surveyForm) {
    document.querySelectorAll(".language-form").forEach(function (languageForm) {
      languageForm.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (!button || !button.value) {
          return;
        }
        event.preventDefault();
        var action = document.createElement("input");
        action.type = "hidden";
        action.name = "action";
        action.value = "lang:" + button.value;
        surveyForm.appendChild(action);
        surveyForm.submit();
      });
    });
  }
})();
