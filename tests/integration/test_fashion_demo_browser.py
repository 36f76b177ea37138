"""Start the fashion demo on a tiny NeRA run with a second finished run beside it in the same folder (a copy of the
first under another name: the demo lists finished run folders, whatever their method) and drive it in headless
Chromium: a description in, a base image and an adapted image out, both shown and neither blank; the second run is
selectable and draws too."""

import pytest

from tests.browser import make_driver, start_demo, stop_app
from tests.conftest import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.browser]

# The pixels of a shown image, read back through a canvas: (lowest, highest) channel value and its side.
PIXEL_RANGE = """
const img = document.querySelector(arguments[0] + ' img');
if (!img || !img.complete || !img.naturalWidth) return null;
const c = document.createElement('canvas');
c.width = img.naturalWidth; c.height = img.naturalHeight;
const ctx = c.getContext('2d');
ctx.drawImage(img, 0, 0);
const d = ctx.getImageData(0, 0, c.width, c.height).data;
let lo = 255, hi = 0;
for (let i = 0; i < d.length; i += 4) {
  for (let k = 0; k < 3; k++) { lo = Math.min(lo, d[i + k]); hi = Math.max(hi, d[i + k]); }
}
return [lo, hi, c.width];
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    import shutil

    root = tmp_path_factory.mktemp("fashion_demo")
    proc = run_cli("train", "fashion", "--config", "tiny", f"output_dir={root / 'a-nera'}", "train.max_steps=2",
                   "diffusion.sample_every=0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    shutil.copytree(root / "a-nera", root / "b-copy")
    return root


@pytest.fixture(scope="module")
def demo(runs):
    proc, url = start_demo("apps.fashion", runs / "a-nera")
    try:
        yield url
    finally:
        stop_app(proc)


def _draw_and_read(driver, wait, seed: int):
    from selenium.webdriver.common.by import By

    old = {sel: driver.execute_script(PIXEL_RANGE, sel) for sel in ("#base-image", "#tuned-image")}
    driver.find_element(By.CSS_SELECTOR, "#draw").click()
    wait.until(lambda d: f"seed {seed})" in d.find_element(By.CSS_SELECTOR, "#status").text)
    shown = {}
    for sel in ("#base-image", "#tuned-image"):
        shown[sel] = wait.until(lambda d, s=sel: d.execute_script(PIXEL_RANGE, s))
    return old, shown


@pytest.mark.timeout(1800)  # a training run, a demo and a browser: slow on a loaded 2-core machine
def test_both_images_appear_not_blank_and_the_other_run_is_selectable(demo):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = make_driver()
    try:
        driver.get(demo)
        wait = WebDriverWait(driver, 300)
        box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#description textarea"))
        box.clear()
        box.send_keys("a red sheath midi dress in a gingham check, with long sleeves, with a V-neckline")
        old, shown = _draw_and_read(driver, wait, 0)
        assert old == {"#base-image": None, "#tuned-image": None}  # nothing shown before the first draw
        for sel, (lo, hi, side) in shown.items():
            assert side == 256 and hi - lo > 20, (sel, lo, hi)  # drawn, not one flat colour

        options = driver.find_element(By.CSS_SELECTOR, "#run").text + driver.page_source
        assert "nera · a-nera" in options and "nera · b-copy" in options
        driver.find_element(By.CSS_SELECTOR, "#run input").click()
        wait.until(lambda d: [o for o in d.find_elements(By.CSS_SELECTOR, "ul[role=listbox] li")
                              if "b-copy" in o.text])[0].click()
        driver.find_element(By.CSS_SELECTOR, "#seed input").clear()
        driver.find_element(By.CSS_SELECTOR, "#seed input").send_keys("7")
        _, again = _draw_and_read(driver, wait, 7)
        assert all(hi - lo > 20 for lo, hi, _ in again.values()), again
    finally:
        driver.quit()
