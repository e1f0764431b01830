// The demo world's tasks moved to src/tasks/demo-world (tasks are pure data the registry reads); re-exported for the demo's training code.
export * from '../../tasks/demo-world/tasks';
