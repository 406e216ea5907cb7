import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Number allocations per second one server sustains: CLIENTS concurrent loops POSTing /api/v1/numbers over
 * keep-alive HTTPS for SECONDS (after a warm-up). Run by bench/alloc.sh; a benchmark, not a test.
 * Usage: java bench/AllocBench.java BASE_URL CLIENTS SECONDS
 */
public class AllocBench {
  public static void main(String[] args) throws Exception {
    String base = args.length > 0 ? args[0] : "https://localhost:8443";
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    // The benchmark targets a local server with a self-signed certificate.
    System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, new TrustManager[] {new X509TrustManager() {
      public void checkClientTrusted(X509Certificate[] chain, String type) {}
      public void checkServerTrusted(X509Certificate[] chain, String type) {}
      public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }}, new SecureRandom());
    HttpClient client = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/numbers"))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build();

    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong latencyNanos = new AtomicLong();
    long warmupEnd = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    long end = warmupEnd + Duration.ofSeconds(seconds).toNanos();
    Thread[] threads = new Thread[clients];
    for (int i = 0; i < clients; i++) {
      threads[i] = new Thread(() -> {
        while (System.nanoTime() < end) {
          long start = System.nanoTime();
          boolean measured = start >= warmupEnd;
          try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (measured) {
              (response.statusCode() == 201 ? ok : failed).incrementAndGet();
              latencyNanos.addAndGet(System.nanoTime() - start);
            }
          } catch (Exception e) {
            if (measured) {
              failed.incrementAndGet();
            }
          }
        }
      });
      threads[i].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    long total = ok.get() + failed.get();
    System.out.printf("clients=%d seconds=%d allocated=%d failed=%d rate=%.1f allocations/s mean latency=%.1f ms%n",
        clients, seconds, ok.get(), failed.get(), ok.get() / (double) seconds,
        total == 0 ? 0.0 : latencyNanos.get() / 1e6 / total);
  }
}
