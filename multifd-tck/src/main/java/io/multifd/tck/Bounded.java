package io.multifd.tck;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Runs a piece of a check on its own thread within a time bound, so that a method that hangs
 * fails its check instead of hanging the build, and measures what the current thread allocates.
 */
final class Bounded {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A case that did not end in time: the message says where the stuck thread was. */
    static final class Timeout extends AssertionError {
        private static final long serialVersionUID = 1L;

        Timeout(String message) {
            super(message);
        }
    }

    /** Work that may throw anything. */
    @FunctionalInterface
    interface Action<T> {
        T run() throws Exception;
    }

    private Bounded() {
    }

    /**
     * Runs an action on a fresh daemon thread and waits for it.
     *
     * @param timeout how long to wait
     * @param what    what runs, for the message
     * @param action  the work
     * @param <T>     its result
     * @return the result
     * @throws Exception what the action threw, or a {@link Timeout}
     */
    static <T> T call(Duration timeout, String what, Action<T> action) throws Exception {
        List<T> results = all(timeout, what, List.of(action));
        return results.get(0);
    }

    /**
     * Runs actions at the same time, each on its own daemon thread, and waits for all of them.
     *
     * @param timeout how long to wait for all
     * @param what    what runs, for the message
     * @param actions the work
     * @param <T>     their result
     * @return the results in order
     * @throws Exception the first failure in the order of the actions, or a {@link Timeout}
     */
    static <T> List<T> all(Duration timeout, String what, List<Action<T>> actions) throws Exception {
        List<FutureTask<T>> tasks = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < actions.size(); i++) {
            Action<T> a = actions.get(i);
            FutureTask<T> task = new FutureTask<>(a::run);
            Thread t = new Thread(task, "multifd-tck " + what + (actions.size() > 1 ? " #" + i : ""));
            t.setDaemon(true);
            tasks.add(task);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<T> results = new ArrayList<>();
        Throwable first = null;
        for (int i = 0; i < tasks.size(); i++) {
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                results.add(tasks.get(i).get(left, TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                Thread stuck = threads.get(i);
                String where = Arrays.stream(stuck.getStackTrace()).limit(12).map(f -> "\n        at " + f)
                        .collect(Collectors.joining());
                threads.forEach(Thread::interrupt);
                throw new Timeout(what + " did not end within " + timeout.toMillis() + " ms: a hook is stuck"
                        + " (waiting for input that never comes, or looping on bad input). The stuck thread was"
                        + where);
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause();
                }
                results.add(null);
            }
        }
        if (first instanceof Exception ex) {
            throw ex;
        }
        if (first instanceof Error err) {
            throw err;
        }
        return results;
    }

    /**
     * As {@link #call}, a timeout reported as a break of a rule.
     *
     * @param timeout how long to wait
     * @param what    what runs, for the message
     * @param rule    the rule a hang breaks
     * @param method  the method's name
     * @param action  the work
     * @param <T>     its result
     * @return the result
     * @throws Exception what the action threw, or an {@link AssertionError} naming the rule
     */
    static <T> T call(Duration timeout, String what, String rule, String method, Action<T> action) throws Exception {
        try {
            return call(timeout, what, action);
        } catch (Timeout t) {
            throw Rules.broken(rule, method, t.getMessage(), "a loop that waits for more input than the payload"
                    + " has, or that makes no progress on bad input: check what each step consumed");
        }
    }

    /** @return bytes the current thread allocated on the heap so far */
    static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }
}
