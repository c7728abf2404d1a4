import { Testing } from 'cdktf';
// Declares cdktf's matchers (toHaveResourceWithProperties, ...) for the type checker.
import 'cdktf/lib/testing/adapters/jest';

Testing.setupJest();
