import { describe, expect, it } from 'vitest';
import type { Question } from './catalogue.schemas.ts';
import {
  checkAnswersRows,
  errorName,
  formPages,
  toOpen311Attributes,
  toRawAnswers,
  validateAnswers,
  validatePage,
  visiblePages,
} from './form.ts';
import { checkEligibility, evaluate } from './rules.ts';

const q = (question: Partial<Question> & Pick<Question, 'code' | 'type'>): Question => ({
  label: question.code,
  required: true,
  ...question,
});

const today = new Date('2026-03-10T12:00:00Z');

describe('form engine: validation with GOV.UK messages', () => {
  it('asks for a missing required text answer using the error name, and trims what is given', () => {
    const questions = [q({ code: 'name', type: 'text', label: 'Full name', errorName: 'your full name' })];
    expect(validateAnswers(questions, {}).errors).toEqual([
      { field: 'name', message: 'Enter your full name' },
    ]);
    expect(validateAnswers(questions, { name: '  Jo Bloggs ' })).toEqual({
      answers: { name: 'Jo Bloggs' },
      errors: [],
    });
  });

  it('derives a name from a noun-phrase label, and quotes a question label instead', () => {
    expect(errorName({ label: 'Vehicle registration number' })).toBe('vehicle registration number');
    expect(errorName({ label: 'What is the problem?' })).toBeNull();
    const questions = [
      q({
        code: 'problem',
        type: 'single_choice',
        label: 'What is the problem?',
        options: [{ value: 'a', label: 'A' }],
      }),
    ];
    expect(validateAnswers(questions, {}).errors[0]?.message).toBe(
      'Select an answer to ‘What is the problem?’',
    );
  });

  it('leaves optional questions out when unanswered', () => {
    const questions = [q({ code: 'notes', type: 'textarea', required: false })];
    expect(validateAnswers(questions, { notes: '   ' })).toEqual({ answers: {}, errors: [] });
  });

  it('checks length, pattern, email and phone formats', () => {
    const questions = [
      q({
        code: 'reg',
        type: 'text',
        label: 'Registration',
        validation: {
          pattern: '[A-Z]{2}[0-9]{2} ?[A-Z]{3}',
          patternMessage: 'Enter a registration like AB12 CDE',
        },
      }),
      q({ code: 'short', type: 'text', label: 'Short', validation: { maxLength: 3 } }),
      q({ code: 'email', type: 'email' }),
      q({ code: 'phone', type: 'phone' }),
    ];
    const bad = validateAnswers(questions, {
      reg: 'AB12 CDE extra',
      short: 'four',
      email: 'not-an-email',
      phone: 'call me',
    });
    expect(bad.errors).toEqual([
      { field: 'reg', message: 'Enter a registration like AB12 CDE' },
      { field: 'short', message: 'Short must be 3 characters or fewer' },
      { field: 'email', message: 'Enter an email address in the correct format, like name@example.com' },
      {
        field: 'phone',
        message: 'Enter a phone number, like 020 7946 0018, 0113 496 0018 or +44 808 157 0192',
      },
    ]);
    const good = validateAnswers(questions, {
      reg: 'AB12 CDE',
      short: 'abc',
      email: 'jo@example.com',
      phone: '0113 496 0018',
    });
    expect(good.errors).toEqual([]);
  });

  it('checks numbers: not a number, whole numbers and range', () => {
    const questions = [
      q({
        code: 'items',
        type: 'number',
        label: 'Number of items',
        validation: { min: 1, max: 6, integer: true },
      }),
    ];
    expect(validateAnswers(questions, { items: 'three' }).errors[0]?.message).toBe(
      'Number of items must be a number',
    );
    expect(validateAnswers(questions, { items: '2.5' }).errors[0]?.message).toBe(
      'Number of items must be a whole number',
    );
    expect(validateAnswers(questions, { items: '7' }).errors[0]?.message).toBe(
      'Number of items must be 6 or less',
    );
    expect(validateAnswers(questions, { items: '0' }).errors[0]?.message).toBe(
      'Number of items must be 1 or more',
    );
    expect(validateAnswers(questions, { items: '1,000' }).errors[0]?.message).toBe(
      'Number of items must be 6 or less',
    );
    expect(validateAnswers(questions, { items: '4' }).answers).toEqual({ items: 4 });
  });

  it('reads GOV.UK date inputs and names the missing or impossible part', () => {
    const questions = [q({ code: 'dod', type: 'date', label: 'Date of death', validation: { past: true } })];
    const check = (raw: Record<string, string>) => validateAnswers(questions, raw, { today });
    expect(check({}).errors).toEqual([{ field: 'dod-day', message: 'Enter date of death' }]);
    expect(check({ 'dod-day': '1', 'dod-year': '2026' }).errors).toEqual([
      { field: 'dod-month', message: 'Date of death must include a month' },
    ]);
    expect(check({ 'dod-day': '31', 'dod-month': '2', 'dod-year': '2026' }).errors[0]?.message).toBe(
      'Date of death must be a real date',
    );
    expect(check({ 'dod-day': '11', 'dod-month': '3', 'dod-year': '2026' }).errors[0]?.message).toBe(
      'Date of death must be today or in the past',
    );
    expect(check({ 'dod-day': '9', 'dod-month': '3', 'dod-year': '2026' }).answers).toEqual({
      dod: '2026-03-09',
    });
    // JSON clients may send ISO dates.
    expect(check({ dod: '2026-01-05' }).answers).toEqual({ dod: '2026-01-05' });
  });

  it('reads yes/no, single and multiple choices and rejects values not on the list', () => {
    const options = [
      { value: 'sofa', label: 'Sofa' },
      { value: 'fridge', label: 'Fridge' },
    ];
    const questions = [
      q({ code: 'out', type: 'yes_no', errorName: 'the bin was out by 7am' }),
      q({ code: 'item', type: 'single_choice', errorName: 'the item', options }),
      q({
        code: 'items',
        type: 'multi_choice',
        errorName: 'the items',
        options,
        validation: { maxSelected: 1 },
      }),
    ];
    expect(validateAnswers(questions, {}).errors.map((e) => e.message)).toEqual([
      'Select yes if the bin was out by 7am',
      'Select the item',
      'Select the items',
    ]);
    expect(
      validateAnswers(questions, { out: 'maybe', item: 'piano', items: ['sofa', 'piano'] }).errors.map(
        (e) => e.message,
      ),
    ).toEqual([
      'Select yes if the bin was out by 7am',
      'Select the item from the list',
      'Select the items from the list',
    ]);
    expect(
      validateAnswers(questions, { out: 'yes', item: 'sofa', items: ['sofa', 'fridge'] }).errors,
    ).toEqual([{ field: 'items', message: 'Select no more than 1 options' }]);
    expect(validateAnswers(questions, { out: 'no', item: 'sofa', items: 'fridge' }).answers).toEqual({
      out: false,
      item: 'sofa',
      items: ['fridge'],
    });
  });

  it('reads an address with an optional UPRN and a location as a point or a description', () => {
    const questions = [
      q({ code: 'address', type: 'address', errorName: 'the address' }),
      q({ code: 'where', type: 'location', errorName: 'where the problem is' }),
    ];
    expect(validateAnswers(questions, {}).errors).toEqual([
      { field: 'address', message: 'Enter the address' },
      { field: 'where-description', message: 'Enter where the problem is' },
    ]);
    expect(
      validateAnswers(questions, {
        address: '1 High St',
        'address-uprn': '12345678901234',
        'where-lat': '95',
        'where-long': '0',
      }).errors,
    ).toEqual([
      { field: 'address-uprn', message: 'The UPRN must be a number of up to 12 digits' },
      { field: 'where-lat', message: 'Latitude must be a number between -90 and 90' },
    ]);
    expect(
      validateAnswers(questions, {
        address: '1 High St',
        'address-uprn': '100023336956',
        'where-lat': '51.5',
        'where-long': '-0.12',
        'where-description': 'By the bus stop',
      }).answers,
    ).toEqual({
      address: { text: '1 High St', uprn: '100023336956' },
      where: { lat: 51.5, long: -0.12, description: 'By the bus stop' },
    });
  });

  it('checks file types', () => {
    const questions = [
      q({ code: 'photo', type: 'file', label: 'Photo', validation: { accept: ['jpg', 'png'] } }),
    ];
    expect(validateAnswers(questions, { photo: 'report.exe' }).errors[0]?.message).toBe(
      'Photo must be a JPG, PNG',
    );
    expect(validateAnswers(questions, { photo: 'pothole.JPG' }).answers).toEqual({ photo: 'pothole.JPG' });
  });

  it('asks a show-when question only when the earlier answer matches, and drops hidden answers', () => {
    const questions = [
      q({
        code: 'items',
        type: 'multi_choice',
        options: [
          { value: 'sofa', label: 'Sofa' },
          { value: 'other', label: 'Other' },
        ],
      }),
      q({
        code: 'other',
        type: 'textarea',
        errorName: 'the other items',
        showWhen: { fact: 'answers.items', op: 'includes', value: 'other' },
      }),
    ];
    expect(validateAnswers(questions, { items: 'sofa', other: 'ignored' })).toEqual({
      answers: { items: ['sofa'] },
      errors: [],
    });
    expect(validateAnswers(questions, { items: ['sofa', 'other'] }).errors).toEqual([
      { field: 'other', message: 'Enter the other items' },
    ]);
  });
});

describe('form engine: pages, check answers and Open311', () => {
  const questions: Question[] = [
    q({ code: 'address', type: 'address', label: 'Address', page: 'Where' }),
    q({ code: 'phone', type: 'phone', label: 'Phone', required: false, page: 'Where' }),
    q({ code: 'van', type: 'yes_no', label: 'Is it a van?' }),
    q({
      code: 'permit',
      type: 'text',
      label: 'Van permit number',
      showWhen: { fact: 'answers.van', op: 'eq', value: true },
    }),
    q({ code: 'when', type: 'date', label: 'Date' }),
  ];

  it('groups questions that share a page name, otherwise one per page, and skips pages with nothing to ask', () => {
    expect(formPages(questions).map((p) => [p.number, p.title, p.questions.map((x) => x.code)])).toEqual([
      [1, 'Where', ['address', 'phone']],
      [2, 'Is it a van?', ['van']],
      [3, 'Van permit number', ['permit']],
      [4, 'Date', ['when']],
    ]);
    expect(visiblePages(questions, { van: false }).map((p) => p.number)).toEqual([1, 2, 4]);
    expect(visiblePages(questions, { van: true }).map((p) => p.number)).toEqual([1, 2, 3, 4]);
  });

  it('validates one page against earlier answers and replaces that page’s answers', () => {
    const page = formPages(questions)[2];
    if (!page) throw new Error('no page');
    expect(validatePage(page, {}, { van: true }).errors).toEqual([
      { field: 'permit', message: 'Enter van permit number' },
    ]);
    expect(validatePage(page, {}, { van: false }).errors).toEqual([]);
  });

  it('lists shown answers for check answers with the page to change each, and fills pages back in', () => {
    const answers = { address: { text: '1 High St', uprn: '10001' }, van: false, when: '2026-02-01' };
    expect(checkAnswersRows(questions, answers)).toEqual([
      { code: 'address', label: 'Address', value: '1 High St (UPRN 10001)', page: 1 },
      { code: 'phone', label: 'Phone', value: 'Not answered', page: 1 },
      { code: 'van', label: 'Is it a van?', value: 'No', page: 2 },
      { code: 'when', label: 'Date', value: '1 February 2026', page: 4 },
    ]);
    const raw = toRawAnswers(questions, answers);
    expect(raw).toEqual({
      address: '1 High St',
      'address-uprn': '10001',
      van: 'no',
      'when-day': '1',
      'when-month': '2',
      'when-year': '2026',
    });
    expect(validateAnswers(questions, raw).answers).toEqual(answers);
  });

  it('tells Open311 clients what an answer must be like in datatype_description', () => {
    const [reg, count, photo] = toOpen311Attributes([
      q({
        code: 'reg',
        type: 'text',
        hint: 'As on the number plate',
        validation: {
          maxLength: 8,
          pattern: '^[A-Z0-9 ]+$',
          patternMessage: 'Letters and digits, like AB12 CDE',
        },
      }),
      q({ code: 'count', type: 'number', validation: { integer: true, min: 1, max: 10 } }),
      q({ code: 'photo', type: 'file', required: false, validation: { accept: ['jpg', 'png'] } }),
    ]);
    expect(reg?.datatype_description).toBe(
      'Letters and digits, like AB12 CDE. At most 8 characters. As on the number plate',
    );
    expect(count?.datatype_description).toBe('A number. A whole number. 1 or more. 10 or less');
    expect(photo?.datatype_description).toBe(
      'The URL of a photo or document, like https://example.org/photo.jpg. A link to a JPG, PNG file',
    );
  });

  it("never requires a location attribute: the request's own lat/long or address_string answers it", () => {
    const [where] = toOpen311Attributes([q({ code: 'where', type: 'location' })]);
    expect(where).toMatchObject({ datatype: 'string', required: false });
    expect(where?.datatype_description).toMatch(/Taken from address_string, or from lat and long/);
  });

  it('maps questions to Open311 attributes; a conditional question is required, with its condition in words', () => {
    const attributes = toOpen311Attributes([
      ...questions,
      q({
        code: 'bin',
        type: 'single_choice',
        label: 'Which bin?',
        options: [{ value: 'refuse', label: 'Black bin' }],
      }),
      q({
        code: 'items',
        type: 'multi_choice',
        required: false,
        options: [{ value: 'sofa', label: 'Sofa' }],
      }),
      q({ code: 'notes', type: 'textarea', required: false }),
      q({ code: 'count', type: 'number' }),
    ]);
    expect(attributes.map((a) => [a.code, a.datatype, a.required, a.order])).toEqual([
      ['address', 'string', true, 1],
      ['phone', 'string', false, 2],
      ['van', 'singlevaluelist', true, 3],
      ['permit', 'string', true, 4],
      ['when', 'datetime', true, 5],
      ['bin', 'singlevaluelist', true, 6],
      ['items', 'multivaluelist', false, 7],
      ['notes', 'text', false, 8],
      ['count', 'number', true, 9],
    ]);
    // A client that fills every required attribute always passes: the answer is ignored when van is no.
    expect(attributes[3]?.datatype_description).toBe('Needed only when van is yes; otherwise it is ignored');
    expect(attributes[4]?.datatype_description).toMatch(/^A date, as YYYY-MM-DD/);
    expect(attributes[2]?.values).toEqual([
      { key: 'yes', name: 'Yes' },
      { key: 'no', name: 'No' },
    ]);
    expect(attributes[5]).toMatchObject({
      variable: true,
      description: 'Which bin?',
      values: [{ key: 'refuse', name: 'Black bin' }],
    });
  });
});

describe('JSON rules', () => {
  it('evaluates comparisons, lists, all/any/not with three-valued logic', () => {
    const facts = { answers: { age: '67', items: ['a', 'b'], out: true }, party: { residentInArea: true } };
    expect(evaluate({ fact: 'answers.age', op: 'gte', value: 60 }, facts)).toBe(true);
    expect(evaluate({ fact: 'answers.items', op: 'includes', value: 'b' }, facts)).toBe(true);
    expect(evaluate({ fact: 'answers.out', op: 'in', value: ['yes'] }, facts)).toBe(true);
    expect(
      evaluate(
        {
          all: [
            { fact: 'party.residentInArea', op: 'eq', value: true },
            { fact: 'party.age', op: 'gte', value: 60 },
          ],
        },
        facts,
      ),
    ).toBe('unknown');
    expect(
      evaluate(
        {
          any: [
            { fact: 'party.age', op: 'gte', value: 60 },
            { fact: 'answers.age', op: 'gt', value: 60 },
          ],
        },
        facts,
      ),
    ).toBe(true);
    expect(evaluate({ not: { fact: 'answers.missing', op: 'exists' } }, facts)).toBe(true);
    expect(evaluate({ fact: 'answers.missing', op: 'eq', value: 1 }, facts)).toBe(false);
    // Object prototype keys are not facts.
    expect(evaluate({ fact: 'answers.constructor', op: 'exists' }, facts)).toBe(false);
  });

  it('summarises eligibility: failed rules with their messages, undecided ones by description', () => {
    const rules = [
      {
        description: 'Aged 60 or over',
        when: { fact: 'party.age', op: 'gte' as const, value: 60 },
        failureMessage: 'You must be 60 or over',
      },
      {
        description: 'Not already holding a badge',
        when: { fact: 'answers.has_badge', op: 'eq' as const, value: false },
        failureMessage: 'You already have a badge',
      },
    ];
    expect(checkEligibility(rules, { answers: { has_badge: true }, party: { age: 70 } })).toEqual({
      eligible: false,
      failed: [{ description: 'Not already holding a badge', message: 'You already have a badge' }],
      undecided: [],
    });
    expect(checkEligibility(rules, { answers: { has_badge: false } })).toEqual({
      eligible: 'unknown',
      failed: [],
      undecided: ['Aged 60 or over'],
    });
    expect(checkEligibility(rules, { answers: { has_badge: false }, party: { age: 60 } }).eligible).toBe(
      true,
    );
  });
});
