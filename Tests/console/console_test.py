"""The web console in a real browser: headless Chromium with its driver (Debian's
packages) driven by Selenium, against a real `connector-host serve --dev` and a
real httpbin, both on free loopback ports, stopped by PID after. Each page is
saved as a screenshot under build/screenshots/.

    build/venv/bin/python Tests/console/console_test.py BIN PLUGIN_DIR FIXTURE_DIR
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCREENSHOTS = os.path.join(ROOT, "build", "screenshots")
BIN, PLUGINS, FIXTURES = (os.path.abspath(path) for path in sys.argv[1:4])
CRASHING = "hostile-crash-while-marked"
API_KEY = "key-" + secrets.token_hex(8)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="connector-host-console-")
        plugins = os.path.join(cls.work, "plugins")
        shutil.copytree(PLUGINS, plugins)
        shutil.copy(os.path.join(FIXTURES, CRASHING + ".so"), plugins)
        cls.data = os.path.join(cls.work, "data")
        os.makedirs(cls.data)
        cls.marker = os.path.join(cls.data, "crash-marker")

        # httpbin: prints its port, serves until its standard input closes.
        cls.httpbin = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "Tests", "http", "httpbin_server.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        cls.httpbin_url = "http://127.0.0.1:%d" % int(cls.httpbin.stdout.readline())

        cls.token = secrets.token_hex(16)
        port = free_port()
        cls.base = "http://127.0.0.1:%d" % port
        cls.server_log = open(os.path.join(cls.work, "server.log"), "w")
        cls.server = subprocess.Popen(
            [BIN, "serve", "--dev", "--plugins", plugins, "--db", os.path.join(cls.work, "registry.sqlite"),
             "--plugin-store", os.path.join(cls.work, "store"), "--data-directory", cls.data,
             "--port", str(port), "--warm", CRASHING, "--log-level", "warning"],
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CONNECTOR_HOST_ADMIN_TOKEN": cls.token},
            stdout=cls.server_log, stderr=subprocess.STDOUT,
        )
        for _ in range(600):
            try:
                urllib.request.urlopen(cls.base + "/healthz", timeout=1)
                break
            except OSError:
                if cls.server.poll() is not None:
                    raise RuntimeError("the server did not start: " + open(cls.server_log.name).read())
                time.sleep(0.1)

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        cls.browser.set_page_load_timeout(30)
        os.makedirs(SCREENSHOTS, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.server.terminate()
        try:
            cls.server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            cls.server.kill()
        cls.httpbin.stdin.close()
        cls.httpbin.wait(timeout=15)
        cls.server_log.close()
        shutil.rmtree(cls.work, ignore_errors=True)

    # ------------------------------------------------------------- helpers

    def api(self, method, path, body=None, token=None, headers=None):
        request = urllib.request.Request(
            self.base + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"authToken": token or self.token, "Content-Type": "application/json", **(headers or {})},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    def wait(self, condition, seconds=30, message=""):
        def check(_):
            try:
                return condition()
            except StaleElementReferenceException:
                return False
        return WebDriverWait(self.browser, seconds, poll_frequency=0.05).until(check, message)

    def find(self, selector, within=None):
        return (within or self.browser).find_element(By.CSS_SELECTOR, selector)

    def type_into(self, element, text):
        element.clear()
        element.send_keys(text)

    def shot(self, name):
        self.browser.save_screenshot(os.path.join(SCREENSHOTS, name + ".png"))

    def console_errors(self):
        return [entry for entry in self.browser.get_log("browser") if entry["level"] == "SEVERE"]

    def sign_in(self, token):
        self.browser.get(self.base + "/")
        self.browser.execute_script("sessionStorage.clear()")
        self.browser.refresh()
        field = self.wait(lambda: self.find("#token"))
        self.type_into(field, token)
        self.find("#sign-in").click()

    def health_of(self, plugin):
        return self.find('tr[data-plugin="%s"] .health' % plugin).text

    # --------------------------------------------------------------- tests

    def test_1_a_wrong_token_returns_to_sign_in_with_a_message(self):
        self.sign_in("not-a-token")
        notice = self.wait(lambda: self.find("#notice").text or None)
        self.assertIn("refused", notice)
        self.assertTrue(self.find("#nav").get_attribute("hidden") is not None, "no section is shown")
        self.shot("sign-in")
        unexpected = [entry for entry in self.console_errors() if "401" not in entry["message"]]
        self.assertEqual(unexpected, [], "only the refused token's 401 is logged")

    def test_2_the_dashboard_shows_a_crash_loop_and_a_restart_ends_it(self):
        self.sign_in(self.token)
        # Workers start on first call: the tracker shows idle until called.
        self.wait(lambda: self.health_of("tracker") in ("idle", "healthy"))
        self.wait(lambda: self.health_of(CRASHING) == "healthy", message="a warm plugin starts at once")
        open(self.marker, "w").close()
        seen = []

        def quarantined():
            health = self.health_of(CRASHING)
            if not seen or seen[-1] != health:
                seen.append(health)
            return health == "quarantined"
        self.wait(quarantined, seconds=90, message="the crash loop never ended in quarantine")
        self.assertIn("restarting", seen, "the dashboard showed %s" % seen)
        self.assertLess(seen.index("restarting"), seen.index("quarantined"))
        row = self.find('tr[data-plugin="%s"]' % CRASHING)
        self.assertIn("crashed while loading", row.text)
        for _ in range(40):
            self.api("GET", "/connectors/tracker/sdk-api/api/1.0/server-info")
        self.wait(lambda: self.find('tr[data-plugin="tracker"] svg.spark polyline').get_attribute("points").split()[-1] != "29,10.00")
        self.shot("dashboard")

        os.remove(self.marker)
        self.find('button[data-action="restart"]', within=row).click()
        self.wait(lambda: self.health_of(CRASHING) == "healthy", message="the restart did not bring it back")
        self.assertIn("restart done", self.find("#notice").text)
        self.assertEqual(self.console_errors(), [])

    def test_3_a_connector_is_built_and_tested_through_the_forms(self):
        self.sign_in(self.token)
        self.wait(lambda: self.find('nav a[data-section="builder"]')).click()
        self.wait(lambda: self.find("#new-draft")).click()
        self.wait(lambda: self.find('#builder-form [data-field="name"]'))
        self.type_into(self.find('#builder-form [data-field="name"]'), "HTTPBin")
        self.type_into(self.find('#builder-form [data-field="base_url"]'), self.httpbin_url)

        self.find("#tab-auth").click()
        Select(self.find('#builder-form select[data-field="auth_type"]')).select_by_value("api_key")
        self.type_into(self.wait(lambda: self.find('#builder-form [data-field="header_name"]')), "X-API-Key")
        self.type_into(self.find("#new-credential"), "api_key")
        self.find("#add-credential").click()
        credential = self.wait(lambda: self.find('[data-credential="api_key"]'))
        Select(self.find('select[data-field="type"]', within=credential)).select_by_value("password")
        self.find('input[data-field="sensitive"]', within=credential).click()

        self.find("#tab-operations").click()
        for name, path, parameters in [
            ("anything", "/anything/{item}", [("item", "path", True), ("colour", "query", False)]),
            ("headers", "/headers", []),
        ]:
            self.find("#add-operation").click()
            operation = self.wait(lambda: self.browser.find_elements(By.CSS_SELECTOR, "#builder-form [data-operation]")[-1])
            self.type_into(self.find('input[data-field="name"]', within=operation), name)
            self.type_into(self.find('input[data-field="path"]', within=operation), path)
            for parameter, location, required in parameters:
                self.find(".add-parameter", within=operation).click()
                operation = self.browser.find_elements(By.CSS_SELECTOR, "#builder-form [data-operation]")[-1]
                row = operation.find_elements(By.CSS_SELECTOR, ".row.item")[-1]
                self.type_into(self.find('input[data-field="name"]', within=row), parameter)
                Select(self.find('select[data-field="location"]', within=row)).select_by_value(location)
                if required:
                    self.find('input[data-field="required"]', within=row).click()
        self.find("#save-draft").click()
        self.wait(lambda: self.find("#notice").text == "Saved.", message=self.find("#notice").text)
        self.assertEqual(self.find("#problems").text, "No problems: the document is valid.")
        self.wait(lambda: "name: HTTPBin" in self.find("#yaml").get_attribute("value"))
        self.shot("builder")

        self.find("#tab-test").click()
        for operation, parameters, expect in [
            ("anything", {"item": "widget", "colour": "blue"}, '"colour": "blue"'),
            ("headers", {}, '"X-Api-Key": "********"'),
        ]:
            Select(self.wait(lambda: self.find("#test-operation"))).select_by_value(operation)
            for name, value in parameters.items():
                self.type_into(self.wait(lambda: self.find('input[data-parameter="%s"]' % name)), value)
            self.type_into(self.find('input[data-credential="api_key"]'), API_KEY)
            self.find("#send-test").click()
            self.wait(lambda: "Answer: 200" in self.find("#test-result").text, message=self.find("#test-result").text)
            result = self.find("#test-result").text
            self.assertIn("Passed, kept as this definition's example", result)
            self.assertIn(expect, result)
            self.assertIn("X-API-Key: ********", self.find("#test-result .sent").text)
            self.assertNotIn(API_KEY, self.browser.page_source, "the key is never shown back")
            self.shot("builder-test-" + operation)
        self.wait(lambda: self.find("#untested").text == "Every operation has passed a test with its current definition.")
        self.type_into(self.find('input[data-credential="api_key"]'), API_KEY)
        self.find("#retest-all").click()
        self.wait(lambda: "headers: passed" in self.find("#test-result").text, message=self.find("#test-result").text)
        self.assertIn("anything: passed; the example was answered 200, now 200", self.find("#retest-results").text)

        # Publish it for an org, find it Live in the catalogue, and call it.
        self.api("POST", "/admin/orgs", {"id": "builders", "name": "Builders"})
        self.find("#tab-publish").click()
        self.wait(lambda: self.find('#publish-org option[value="builders"]'))
        Select(self.find("#publish-org")).select_by_value("builders")
        self.assertEqual(self.find("#publish-version").get_attribute("value"), "1.0.0")
        self.type_into(self.find("#publish-changelog"), "First version: anything and headers")
        self.find("#publish").click()
        self.wait(lambda: "Published httpbin 1.0.0 (org)" in self.find("#publish-result").text, message=self.find("#publish-result").text)
        self.wait(lambda: "First version" in self.find("#publications").text)
        self.shot("builder-publish")
        self.find('nav a[data-section="catalogue"]').click()
        self.wait(lambda: self.find('#catalogue tr[data-entry="httpbin-1.0.0"]'),
                  message=self.find("#notice").text)
        self.assertIn("Live", self.find('#catalogue tr[data-entry="httpbin-1.0.0"]').text)
        called = self.api("POST", "/connectors/httpbin/functions/anything", {"item": "gadget", "colour": "red"},
                          headers={"connector-credentials": json.dumps([{"key": "api_key", "value": API_KEY, "sensitive": True}])})
        self.assertEqual(called["result"]["args"], {"colour": "red"})
        self.assertTrue(called["result"]["url"].endswith("/anything/gadget?colour=red"), called)
        self.assertEqual(self.console_errors(), [])

    def test_4_the_yaml_and_the_form_are_one_document(self):
        self.sign_in(self.token)
        draft = self.api("POST", "/builder/drafts", {"document": {"name": "Side by side", "base_url": self.httpbin_url,
                                                                  "auth_type": "none", "operations": []}})
        self.browser.get(self.base + "/#/builder/" + draft["id"])
        yaml = self.wait(lambda: self.find("#yaml"))
        yaml.send_keys("\ndescription: typed in the YAML")
        self.wait(lambda: self.find('#builder-form [data-field="description"]').get_attribute("value") == "typed in the YAML")
        self.type_into(self.find('#builder-form [data-field="name"]'), "Renamed in the form")
        self.find("#tab-resilience").click()
        self.wait(lambda: "name: Renamed in the form" in self.find("#yaml").get_attribute("value"))
        self.assertEqual(self.console_errors(), [])

    def test_5_nothing_typed_is_rendered_as_markup(self):
        self.sign_in(self.token)
        hostile = '<img src=x onerror="document.title=\'pwned\'">'
        self.api("POST", "/builder/drafts", {"document": {"name": hostile}})
        self.browser.get(self.base + "/#/builder")
        self.wait(lambda: hostile in self.find("#drafts").text)
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "#drafts img"), [])
        self.assertNotEqual(self.browser.title, "pwned")

    def test_6_an_org_token_sees_only_its_org(self):
        self.api("POST", "/admin/orgs", {"id": "acme", "name": "Acme"})
        issued = self.api("POST", "/admin/orgs/acme/tokens")
        self.api("POST", "/builder/drafts", {"document": {"name": "Admin's own"}})
        self.api("POST", "/builder/drafts", {"document": {"name": "Acme's own"}}, token=issued["token"])
        self.sign_in(issued["token"])
        self.wait(lambda: self.find("#who").text == "org acme")
        self.wait(lambda: self.find("#plugins"))
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "button[data-action]"), [], "no operator action")
        self.find('nav a[data-section="builder"]').click()
        self.wait(lambda: "Acme's own" in self.find("#drafts").text)
        self.assertNotIn("Admin's own", self.find("#drafts").text)
        self.find('nav a[data-section="catalogue"]').click()
        self.wait(lambda: self.find("#catalogue"))
        self.shot("catalogue")
        self.find("#sign-out").click()
        self.wait(lambda: self.find("#token"))
        self.assertEqual(self.console_errors(), [])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
