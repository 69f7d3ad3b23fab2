// Refresh the page's live sections every few seconds without a full reload: the search box,
// the workspace picker and anything being clicked keep their state, open request details stay
// open. Paused while the tab is hidden, while the pointer is pressed and when "Live" is off.
(function () {
  const PERIOD_MS = 3000;
  const toggle = document.getElementById("live");
  const stamp = document.getElementById("updated");
  let pressed = false;
  document.addEventListener("pointerdown", () => { pressed = true; });
  document.addEventListener("pointerup", () => { pressed = false; });

  function busy() {
    const active = document.activeElement;
    return pressed || (active && active !== document.body && active.closest("[data-live]"));
  }

  function swap(section, fresh) {
    const open = [...section.querySelectorAll("details[open]")].map((d) => d.dataset.key);
    const adopted = document.importNode(fresh, true);
    open.forEach((key) => {
      const details = adopted.querySelector(`details[data-key="${key}"]`);
      if (details) details.open = true;
    });
    section.replaceWith(adopted);
  }

  async function refresh() {
    if (document.hidden || (toggle && !toggle.checked) || busy()) return;
    try {
      const response = await fetch(location.href, { cache: "no-store" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const sections = [...document.querySelectorAll("[data-live]")];
      // A section the new page lacks means the page changed shape (the first workspace
      // appeared, say): load it whole.
      if (sections.some((section) => !page.getElementById(section.id))) return location.reload();
      sections.forEach((section) => {
        const fresh = page.getElementById(section.id);
        if (fresh.innerHTML !== section.innerHTML) swap(section, fresh);
      });
      if (stamp) stamp.textContent = "updated " + new Date().toLocaleTimeString();
    } catch (error) {
      if (stamp) stamp.textContent = "emulator unreachable";
    }
  }

  setInterval(refresh, PERIOD_MS);

  // A form that changes much (the reset) asks first: its question is its data-confirm text.
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset ? event.target.dataset.confirm : undefined;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
