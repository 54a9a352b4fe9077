import type { PolicyEntity, PolicyKind } from './policies.ts';

export const ENTITIES_EN: PolicyEntity[] = (
  [
    { label: 'Germany', full: 'Northwind Germany GmbH', city: 'Frankfurt', currency: 'EUR', scale: 1 },
    {
      label: 'United Kingdom',
      full: 'Northwind United Kingdom Ltd',
      city: 'London',
      currency: 'GBP',
      scale: 1,
    },
    {
      label: 'United States',
      full: 'Northwind United States Inc.',
      city: 'New York',
      currency: 'USD',
      scale: 1,
    },
    {
      label: 'Singapore',
      full: 'Northwind Singapore Pte. Ltd.',
      city: 'Singapore',
      currency: 'SGD',
      scale: 1.5,
    },
    { label: 'Brazil', full: 'Northwind Brazil Ltda.', city: 'São Paulo', currency: 'BRL', scale: 5 },
    { label: 'Japan', full: 'Northwind Japan K.K.', city: 'Tokyo', currency: 'JPY', scale: 150 },
    { label: 'Ireland', full: 'Northwind Ireland DAC', city: 'Dublin', currency: 'EUR', scale: 1 },
    { label: 'Spain', full: 'Northwind Spain S.L.', city: 'Madrid', currency: 'EUR', scale: 1 },
  ] satisfies Array<Omit<PolicyEntity, 'slug' | 'place'>>
).map((entity) => ({
  ...entity,
  place: entity.label.startsWith('United') ? `the ${entity.label}` : entity.label,
  slug: entity.label.toLowerCase().replace(/\W+/g, '-'),
}));

export const POLICY_KINDS_EN: PolicyKind[] = [
  {
    code: 'TRV',
    slug: 'travel-and-expenses',
    title: 'Travel and Expense Policy',
    owner: 'Finance',
    purpose: [
      'This policy sets out how business travel is booked, what it may cost and how expenses are reimbursed.',
      'Read this policy before you travel: it explains what the company pays for and how to claim it back.',
    ],
    statements: [
      'Bookings are made through the corporate travel agency.',
      'Alcohol is not reimbursed except at approved client events.',
      'Travel to high-risk countries requires a security briefing before departure.',
      'Ride-hailing is preferred to rental cars within cities.',
    ],
    facts: [
      {
        text: 'Hotel costs in {city} are reimbursed up to {n} per night including taxes for staff of {full}.',
        n: [120, 320],
        money: true,
        anchor: 'per night including taxes',
        queries: [
          'paraphrase: how much can {label} staff spend on a hotel room in {city}',
          'keyword: {label} hotel limit per night',
        ],
      },
      {
        text: 'Employees of {full} fly economy class on flights shorter than {n} hours; longer flights may be booked in premium economy.',
        n: [4, 10],
        anchor: 'fly economy class on flights shorter than',
        queries: ['paraphrase: when can {label} employees book a better seat than economy'],
      },
      {
        text: 'Expense claims in {place} are submitted with receipts within {n} days after the trip.',
        n: [14, 90],
        anchor: 'submitted with receipts within',
        queries: ['paraphrase: deadline to hand in travel receipts in {label}'],
      },
    ],
  },
  {
    code: 'RMT',
    slug: 'remote-work',
    title: 'Remote Work Policy',
    owner: 'People & Culture',
    purpose: [
      'This policy describes when and how employees may work away from the office, at home or abroad.',
      'Remote work gives flexibility; this policy keeps it compatible with security, tax and team collaboration.',
    ],
    statements: [
      'Company devices connect through the corporate VPN when used outside the office.',
      'Confidential documents are not printed at home.',
      'Managers agree the remote work pattern with each team member once a year.',
      'Working from public places requires a privacy screen filter.',
    ],
    facts: [
      {
        text: 'Employees of {full} may work from another country for up to {n} working days per calendar year.',
        n: [10, 60],
        anchor: 'may work from another country for up to',
        queries: [
          'paraphrase: how many days can I work from abroad as a {label} employee',
          'keyword: {label} work abroad days per year',
        ],
      },
      {
        text: '{full} pays a one-off home office allowance of {n} to each new remote employee.',
        n: [250, 1200],
        money: true,
        anchor: 'one-off home office allowance',
        queries: ['paraphrase: is there money for a home desk and chair in {label}'],
      },
    ],
  },
  {
    code: 'AUP',
    slug: 'acceptable-use',
    title: 'Acceptable Use of IT Resources',
    owner: 'IT',
    purpose: [
      'This policy defines how employees may use company computers, networks, email and cloud services.',
      'Company IT is provided for work. This policy explains what is allowed, what is not and why.',
    ],
    statements: [
      'Company accounts are personal and may not be shared.',
      'Software is installed only from the company portal.',
      'Occasional personal use is allowed if it does not affect work or security.',
      'Using company email to register for private services is not allowed.',
    ],
    facts: [
      {
        text: '{full} blocks USB mass storage; the service desk can grant an exception for at most {n} days.',
        n: [3, 30],
        anchor: 'blocks USB mass storage',
        queries: [
          'paraphrase: can I use a memory stick at work in {label}',
          'keyword: {label} USB storage exception days',
        ],
      },
      {
        text: 'Suspicious emails at {full} are reported with the Report Phish button within {n} minutes of noticing them.',
        n: [5, 60],
        anchor: 'reported with the Report Phish button within',
        queries: ['paraphrase: how quickly should {label} staff report a dodgy email'],
      },
    ],
  },
  {
    code: 'PWD',
    slug: 'password-and-mfa',
    title: 'Password and MFA Standard',
    owner: 'IT',
    purpose: [
      'This standard sets the rules for passwords, multi-factor authentication and account lockout.',
      'Accounts are the first line of defence. This standard sets one set of password and MFA rules for everyone.',
    ],
    statements: [
      'Passwords are never sent by email or chat.',
      'A password manager approved by IT is used for shared service credentials.',
      'MFA is required for all remote access, and administrators use hardware keys.',
      'Passwords are changed at once when a compromise is suspected.',
    ],
    facts: [
      {
        text: 'Passwords at {full} have at least {n} characters; passphrases are encouraged.',
        n: [12, 20],
        anchor: 'characters; passphrases are encouraged',
        queries: [
          'paraphrase: minimum password length in {label}',
          'keyword: {label} password minimum characters',
        ],
      },
      {
        text: 'Accounts of {full} are locked for 15 minutes after {n} failed sign-in attempts.',
        n: [5, 10],
        anchor: 'failed sign-in attempts',
        queries: ['paraphrase: how many wrong passwords before my {label} account gets locked'],
      },
    ],
  },
  {
    code: 'PLV',
    slug: 'parental-leave',
    title: 'Parental Leave Policy',
    owner: 'People & Culture',
    purpose: [
      'This policy describes paid leave for new parents, including adoption and surrogacy.',
      'We support employees who become parents. This policy explains the leave available and how to request it.',
    ],
    statements: [
      'Leave can start up to four weeks before the expected birth.',
      'Employees keep their benefits during parental leave.',
      'A phased return with reduced hours is possible for up to eight weeks.',
    ],
    facts: [
      {
        text: 'Birth parents at {full} receive {n} weeks of fully paid leave.',
        n: [14, 26],
        anchor: 'weeks of fully paid leave',
        queries: [
          'paraphrase: how many weeks of paid maternity leave does {label} give',
          'keyword: {label} parental leave weeks paid',
        ],
      },
      {
        text: 'The second parent at {full} receives {n} weeks of paid leave, taken within the first year.',
        n: [4, 16],
        anchor: 'The second parent at',
        queries: ['paraphrase: paternity leave length in {label}'],
      },
    ],
  },
  {
    code: 'PRC',
    slug: 'procurement-approval',
    title: 'Procurement Approval Policy',
    owner: 'Procurement',
    purpose: [
      'This policy ensures purchases are competitive, approved at the right level and made with vetted suppliers.',
      'Spending company money needs the right quotes, the right approver and a vetted supplier.',
    ],
    statements: [
      'New suppliers pass a security and sanctions check before the first order.',
      'Splitting an order to stay under a threshold is not allowed.',
      'Purchase orders are raised before the invoice arrives.',
    ],
    facts: [
      {
        text: 'Purchases above {n} at {full} need three competitive quotes.',
        n: [5000, 25000],
        money: true,
        anchor: 'need three competitive quotes',
        queries: [
          'paraphrase: from what amount do I need several offers for a purchase in {label}',
          'keyword: {label} procurement quotes threshold',
        ],
      },
      {
        text: 'Contracts of {full} that run longer than {n} months are reviewed by Legal before signature.',
        n: [12, 36],
        anchor: 'are reviewed by Legal before signature',
        queries: ['paraphrase: which {label} contracts does legal have to check first'],
      },
    ],
  },
  {
    code: 'RET',
    slug: 'records-retention',
    title: 'Records Retention Schedule',
    owner: 'Legal & Compliance',
    purpose: [
      'This schedule states how long business records are kept and when they are destroyed.',
      'Records must be kept as long as the law requires and no longer. This schedule sets the periods.',
    ],
    statements: [
      'Records under a legal hold are not destroyed until Legal lifts the hold.',
      'Paper records are shredded by an approved contractor.',
      'Owners review their records once a year against this schedule.',
    ],
    facts: [
      {
        text: 'Invoices and accounting records of {full} are kept for {n} years.',
        n: [6, 12],
        anchor: 'Invoices and accounting records of',
        queries: [
          'paraphrase: how long do we keep invoices in {label}',
          'keyword: {label} accounting records retention years',
        ],
      },
      {
        text: 'CCTV footage at sites in {place} is kept for {n} days unless an incident requires longer.',
        n: [14, 90],
        anchor: 'CCTV footage at sites in',
        queries: ['paraphrase: how long is security camera video stored in {label}'],
      },
      {
        text: 'Personnel files of former employees of {full} are deleted {n} years after the end of employment.',
        n: [2, 10],
        anchor: 'Personnel files of former employees',
        queries: ['paraphrase: when are HR files of people who left {label} destroyed'],
      },
    ],
  },
  {
    code: 'OFF',
    slug: 'offboarding',
    title: 'Offboarding and Equipment Return',
    owner: 'IT',
    purpose: [
      'This procedure makes sure leavers hand back equipment and lose access on time.',
      'When someone leaves, company equipment and access must come back on time. This procedure explains how.',
    ],
    statements: [
      'Managers start the leaver request as soon as a resignation is accepted.',
      'Shared mailboxes and files are handed over to the manager.',
      'Personal data on company phones is removed by the leaver before return.',
    ],
    facts: [
      {
        text: 'Leavers at {full} return laptops and badges within {n} working days after their last day.',
        n: [1, 10],
        anchor: 'return laptops and badges within',
        queries: ['paraphrase: how long do I have to give back my laptop when leaving {label}'],
      },
      {
        text: 'Accounts of leavers in {place} are disabled at 18:00 on the last working day and deleted after {n} days.',
        n: [30, 180],
        anchor: 'are disabled at 18:00 on the last working day',
        queries: [
          'paraphrase: when is a departing colleague account in {label} removed',
          'keyword: {label} leaver account deletion days',
        ],
      },
    ],
  },
  {
    code: 'VIS',
    slug: 'visitor-and-badge',
    title: 'Visitor and Badge Policy',
    owner: 'Facilities',
    purpose: [
      'This policy controls who may enter company buildings and how visitors are handled.',
      'Safe buildings depend on knowing who is inside. This policy covers badges, guests and contractors.',
    ],
    statements: [
      'Badges are worn visibly at all times.',
      'Tailgating through access gates is not allowed.',
      'Lost badges are reported to reception the same day.',
    ],
    facts: [
      {
        text: 'Visitors to offices in {place} are registered {n} hours in advance and escorted at all times.',
        n: [4, 48],
        anchor: 'hours in advance and escorted',
        queries: ['paraphrase: how early must I sign up a guest for the {label} office'],
      },
      {
        text: 'Badge reader logs of {full} are kept for {n} days.',
        n: [30, 365],
        anchor: 'Badge reader logs of',
        queries: [
          'paraphrase: how long are door entry records kept at {label}',
          'keyword: {label} badge reader log retention',
        ],
      },
    ],
  },
  {
    code: 'GFT',
    slug: 'gifts-and-hospitality',
    title: 'Gifts and Hospitality Policy',
    owner: 'Legal & Compliance',
    purpose: [
      'This policy prevents gifts and invitations from influencing business decisions.',
      'Gifts and invitations must never influence, or look as if they influence, a business decision.',
    ],
    statements: [
      'Cash or cash equivalents are never accepted.',
      'Gifts from suppliers in an open tender are declined.',
      'Invitations for partners or family are not accepted.',
    ],
    facts: [
      {
        text: 'Gifts worth more than {n} received by employees of {full} are recorded in the gifts register.',
        n: [30, 150],
        money: true,
        anchor: 'recorded in the gifts register',
        queries: ['paraphrase: above what value must a present from a supplier be declared in {label}'],
      },
    ],
  },
];
