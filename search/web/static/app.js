// A little help where the browser has JavaScript; every page works without it.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  // each date picker writes its day into the text field beside it, which also takes
  // the relative forms (7d, 2w, вчера) the picker cannot express
  for (const picker of document.querySelectorAll("input.picker")) {
    const text = picker.parentElement.querySelector("input.when");
    if (!text) continue;
    if (/^\d{4}-\d{2}-\d{2}$/.test(text.value)) picker.value = text.value;
    picker.addEventListener("change", () => { text.value = picker.value; });
  }
  // changing the order or the source searches again at once
  const form = document.querySelector("form.search");
  if (form && form.q.value) {
    for (const select of form.querySelectorAll("select")) {
      select.addEventListener("change", () => form.submit());
    }
  }
});
