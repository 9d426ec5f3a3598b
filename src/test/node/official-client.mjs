// Calls the proxy as a task would with the official Taskcluster client: rootUrl = the proxy's URL, no
// credentials. Prints the answers as one JSON line.
// Usage: node official-client.mjs <proxyUrl> <taskId>
import taskcluster from 'taskcluster-client';

const [rootUrl, taskId] = process.argv.slice(2);
const auth = new taskcluster.Auth({ rootUrl, retries: 0 });
const queue = new taskcluster.Queue({ rootUrl, retries: 0 });

const results = {
  currentScopes: await auth.currentScopes(),
  task: await queue.task(taskId),
  testAuthenticate: await auth.testAuthenticate({ clientScopes: ['test:*'], requiredScopes: ['test:authenticate-post'] }),
  signedUrlWithoutCredentials: (() => {
    try {
      return queue.buildSignedUrl(queue.task, taskId);
    } catch (err) {
      return 'refused: ' + err.message;
    }
  })(),
};
let notFound;
try {
  await queue.task('no-such-task');
} catch (err) {
  notFound = { statusCode: err.statusCode, code: err.code };
}
results.notFound = notFound;
process.stdout.write(JSON.stringify(results) + '\n');
