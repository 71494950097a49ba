import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// Generous async timeouts so the suite stays green on a busy CI machine.
configure({ asyncUtilTimeout: 4000 });

afterEach(() => {
  cleanup();
});
