// One demonstration of a task as the meta-prompt shows it, in the authors' format for the task's family (the task's
// `demonstration` field). It formats one example; the header, the choice of examples and the references are
// gflow/meta-prompt.ts's.
//
// The authors' code (june0102/GFLOWPO: junmo/ii_utils.py got_example_ii, utils.py got_example / got_example_mmlu /
// got_example_bbh) writes, per family:
//   instruction induction   'Input : ' + input + '\nOutput : ' + output + '\n'                      -> 'input-output'
//   classification          text + '\nOutput : ' + label word + '\n', where text is the loader's input: for pair
//                           tasks "premise : P\n hypothesis : H" (qnli "question : Q\n sentence : S", mrpc
//                           "sentence1 : A\n sentence2 : B"), so no "Input :" line               -> 'labelled-parts';
//                           for sst2 "Input :" + sentence + "\n", i.e. "Input :S\n\nOutput : yes\n"  -> 'input-output'
//   MMLU (qa)               'Input : ' + question + '\nOutput : ' + text of the correct choice + '\n' (the choices
//                           are not shown, and the output is the answer's text, not its letter)   -> 'question-answer'
//   BIG-bench               text + '\nOutput : ' + label, text starting "Input : "                 -> 'input-output'
// Departures, all whitespace: no space after a newline inside the input (the loaders' "\n hypothesis"), and sst2's
// "Input :S\n\n" is written "Input : S\n" like every other input-output demonstration.
import { TaskError, type Example, type Task } from './task';

export function formatDemonstration(task: Pick<Task, 'name' | 'demonstration'>, example: Example): string {
  const format = task.demonstration ?? 'input-output';
  switch (format) {
    case 'input-output':
      return `Input : ${example.input}\nOutput : ${example.output}\n`;
    case 'labelled-parts':
      return `${example.input}\nOutput : ${example.output}\n`;
    case 'question-answer': {
      const question = example.fields?.['question'];
      const answer = example.fields?.[example.output];
      if (question === undefined || answer === undefined) {
        throw new TaskError(`task ${task.name}: a question-answer demonstration needs the fields "question" and "${example.output}" (the correct choice's text); this example has ${Object.keys(example.fields ?? {}).join(', ') || 'no fields'}`);
      }
      return `Input : ${question}\nOutput : ${answer}\n`;
    }
    default:
      throw new TaskError(`task ${task.name}: unknown demonstration format ${JSON.stringify(format)}; use input-output, labelled-parts or question-answer`);
  }
}
