import { bool, describe, num, opt, type Descriptions } from './describe.ts';

export const trainingDescriptions: Descriptions = {
  n8nTrainingCustomerDatastore: [
    describe(
      [1],
      [
        opt('operation', 'getOnePerson', ['getOnePerson', 'getAllPeople']),
        bool('returnAll', false, { show: { operation: ['getAllPeople'] } }),
        num('limit', 5, { show: { operation: ['getAllPeople'], returnAll: [false] } }),
      ],
    ),
  ],
};
