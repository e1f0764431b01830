// The demo world's instruction language moved to src/tasks/demo-world (pure data the tasks use); re-exported for the demo's training code.
export * from '../../tasks/demo-world/language';
