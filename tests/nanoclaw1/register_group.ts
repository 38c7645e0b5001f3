// Run with tsx in the host copy: create the database and register the test chat as the main
// group (no trigger word needed), as NanoClaw's setup would.
import { initDatabase, setRegisteredGroup } from '../src/db.js';

initDatabase();
setRegisteredGroup('test:family', {
  name: 'Family',
  folder: 'main',
  trigger: '@Andy',
  added_at: new Date().toISOString(),
  requiresTrigger: false,
  isMain: true,
});
