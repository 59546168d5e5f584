package io.switchboard.app.console;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver by Selenium: the driver binary is given
 * explicitly, so Selenium Manager never looks for (or downloads) one, and the browser runs with a fresh profile and
 * without any background network use. Missing packages fail the test with the command that installs them.
 */
final class Chromium implements AutoCloseable {

  static final Path BROWSER = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  static final String INSTALL = "apt-get install -y chromium chromium-driver";
  private static final int WIDTH = 1440;
  private static final int HEIGHT = 1000;

  final WebDriver driver;
  private final Path profile;
  private final List<LogEntry> log = new ArrayList<>();

  private Chromium(WebDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  static Chromium start() throws IOException {
    if (!Files.isExecutable(BROWSER) || !Files.isExecutable(DRIVER)) {
      fail("the admin page's browser test needs Debian's Chromium and its driver (" + BROWSER + ", " + DRIVER + "): " + INSTALL);
    }
    Path profile = Files.createTempDirectory("switchboard-chromium");
    ChromeOptions options = new ChromeOptions().setBinary(BROWSER.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
      "--user-data-dir=" + profile, "--window-size=1440,1000");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort()
      .withLogOutput(java.io.OutputStream.nullOutputStream()).build();
    WebDriver driver = new ChromeDriver(service, options);
    driver.manage().window().setSize(new Dimension(WIDTH, HEIGHT));
    return new Chromium(driver, profile);
  }

  /** Waits up to 20 s for {@code condition}. */
  <T> T await(ExpectedCondition<T> condition) {
    return new WebDriverWait(driver, Duration.ofSeconds(20)).until(condition);
  }

  WebElement byId(String id) {
    return driver.findElement(By.id(id));
  }

  /** The browser's console and network log since the last call, kept for {@link #allLogs}. */
  List<LogEntry> newLogs() {
    List<LogEntry> fresh = driver.manage().logs().get(LogType.BROWSER).getAll();
    log.addAll(fresh);
    return fresh;
  }

  List<LogEntry> allLogs() {
    newLogs();
    return List.copyOf(log);
  }

  /** Saves the page as {@code <dir>/console-<name>.png}. */
  void screenshot(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    // The whole page: the window is made as tall as the page for the shot.
    Object height = ((JavascriptExecutor) driver).executeScript("return document.documentElement.scrollHeight");
    driver.manage().window().setSize(new Dimension(WIDTH, (int) Math.min(4000, Math.max(HEIGHT, ((Number) height).longValue() + 200))));
    try {
      File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), dir.resolve("console-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } finally {
      driver.manage().window().setSize(new Dimension(WIDTH, HEIGHT));
    }
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
