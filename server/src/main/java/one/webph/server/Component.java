package one.webph.server;

/**
 * A part of the server with a lifecycle (numbers API, SIP, media, push...). Components start in the order listed
 * in {@link ServerApp#components}, after the database, TLS certificates and web router exist, and stop in
 * reverse order. The web servers start listening after every component has started, so routes mounted in
 * {@link #start} are live from the first request.
 */
public interface Component {
  /** Short name for log lines. */
  String name();

  /**
   * Starts the component. Runs on the starting thread (never an event loop), so it may block, e.g.
   * {@code future.await()} on a listener. Throwing aborts the server start.
   */
  void start(ServerContext context) throws Exception;

  /** Stops: close listeners, finish or abandon in-flight work. May block briefly. */
  default void stop() throws Exception {}
}
