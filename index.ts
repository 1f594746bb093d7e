import { app } from '@azure/functions';

// App-wide setup only; each function registers itself in its own file under functions/.
app.setup({ enableHttpStream: false });
