import { nodeBackend } from '../../src/node/backend.js';
import { backendConformance } from './backend-suite.js';

backendConformance('nodeBackend', () => nodeBackend());
