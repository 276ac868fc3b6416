// A partner system written with epcis2.js (GS1 France's EPCIS 2.0 SDK), for
// tests/epcis/test_epcis2_js.py.
//   node partner.js write < plan.json     prints the EPCISDocument the SDK writes
//   node partner.js read < document.json  prints what the SDK reads of our export
// (epcis2.js depends on npm's "fs" placeholder package; package.json points it at a stub:
// Node's own fs module is what the SDK uses.)
const {
  EPCISDocument,
  ObjectEvent,
  TransformationEvent,
  QuantityElement,
  Ilmd,
  SourceElement,
  DestinationElement,
  setup,
} = require('epcis2.js');

setup({ documentValidation: true, validationMode: 'full' });

function readStdin() {
  return JSON.parse(require('fs').readFileSync(0, 'utf-8'));
}

function quantity(uri, amount) {
  return new QuantityElement().setEpcClass(uri).setQuantity(amount).setUom('KGM');
}

function place(event, plan) {
  return event.setReadPoint(plan.site).setBizLocation(plan.site);
}

function write(plan) {
  const context = ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', plan.prefixes];
  const harvest = place(new ObjectEvent(), plan)
    .setEventTime(plan.times.harvest)
    .setEventTimeZoneOffset('+07:00')
    .setAction('ADD')
    .setBizStep('commissioning')
    .setDisposition('active')
    .addQuantity(quantity(plan.harvested, plan.quantities.harvested))
    .setIlmd(new Ilmd(plan.harvestIlmd));
  const made = place(new TransformationEvent(), plan)
    .setEventTime(plan.times.made)
    .setEventTimeZoneOffset('+07:00')
    .setBizStep('commissioning')
    .addInputQuantity(quantity(plan.harvested, plan.quantities.used))
    .addOutputQuantity(quantity(plan.made, plan.quantities.made))
    .setIlmd(new Ilmd(plan.madeIlmd));
  const shipped = place(new ObjectEvent(), plan)
    .setEventTime(plan.times.shipped)
    .setEventTimeZoneOffset('+07:00')
    .setAction('OBSERVE')
    .setBizStep('shipping')
    .setDisposition('in_transit')
    .addQuantity(quantity(plan.made, plan.quantities.shipped))
    .addSource(new SourceElement().setType('owning_party').setSource(plan.seller))
    .addDestination(new DestinationElement().setType('owning_party').setDestination(plan.buyer));
  for (const event of [harvest, made, shipped]) {
    event.generateHashID({ ...plan.prefixes });
  }
  const document = new EPCISDocument()
    .setContext(context)
    .setCreationDate(plan.times.created)
    .addEventList([harvest, made, shipped]);
  if (!document.isValid()) {
    throw new Error('epcis2.js finds its own document invalid');
  }
  process.stdout.write(JSON.stringify(document.toObject()));
}

function read(json) {
  const document = new EPCISDocument(json);
  const events = document.getEventList();
  process.stdout.write(
    JSON.stringify({
      valid: document.isValid(),
      types: events.map((event) => event.getType()),
      eventIDs: events.map((event) => event.getEventID()),
      bizSteps: events.map((event) => event.getBizStep()),
      vocabularies: (json.epcisHeader?.epcisMasterData?.vocabularyList || []).length,
    }),
  );
}

const mode = process.argv[2];
if (mode === 'write') write(readStdin());
else if (mode === 'read') read(readStdin());
else throw new Error('usage: node partner.js write|read < file.json');
