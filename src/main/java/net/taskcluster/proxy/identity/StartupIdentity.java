package net.taskcluster.proxy.identity;

import java.util.ArrayList;
import java.util.List;
import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.config.Config;
import net.taskcluster.proxy.forward.TaskScopes;
import net.taskcluster.proxy.forward.UpstreamClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The start-up step that settles who the proxy signs as, before anything listens. */
public final class StartupIdentity {
    private static final Logger LOG = LoggerFactory.getLogger(StartupIdentity.class);

    private StartupIdentity() {}

    /**
     * The credentials of the configuration, narrowed to the authorized scopes: those of the command line, plus,
     * with --task-id, the task's, fetched now from the Queue (with retries, within the budget).
     */
    public static Identity resolve(Config config, UpstreamClient upstream) throws TaskScopes.FetchException, InterruptedException {
        AuthorizedScopes scopes = config.commandLineScopes();
        if (config.taskId() != null) {
            List<String> all = new ArrayList<>(config.scopes());
            List<String> taskScopes = TaskScopes.fetch(upstream.client(), config.rootUrl(), config.taskId(),
                    upstream.retryPolicy(), config.timeouts().idle(), upstream.egress());
            LOG.info("task {} has {} scope(s)", config.taskId(), taskScopes.size());
            all.addAll(taskScopes);
            scopes = AuthorizedScopes.restrictedTo(all);
        }
        return Identity.of(config.credentials(), scopes);
    }
}
