import { app } from '@azure/functions';
import { escapeInvocationLogs } from './shared/logging.js';

// App-wide setup only; each function registers itself in its own file under functions/.
app.setup({ enableHttpStream: false });
// Log lines never carry raw control characters from requests, events or messages.
app.hook.preInvocation((context) => escapeInvocationLogs(context.invocationContext));
