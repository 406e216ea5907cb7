package one.webph.server.web;

final class WebServerTestSupport {
  private WebServerTestSupport() {}

  static String cacheControlFor(String path) {
    return WebServer.cacheControl(path);
  }
}
